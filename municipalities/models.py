from django.db import models


class Prefecture(models.Model):
    code = models.CharField("都道府県コード", max_length=2, primary_key=True)
    name = models.CharField("名称", max_length=10)

    class Meta:
        ordering = ["code"]
        verbose_name = "都道府県"
        verbose_name_plural = "都道府県"

    def __str__(self) -> str:
        return self.name


class LocalGovernment(models.Model):
    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", "都道府県"
        CITY = "city", "市"
        WARD = "ward", "特別区"
        TOWN = "town", "町"
        VILLAGE = "village", "村"

    code = models.CharField("団体コード", max_length=6, unique=True)
    prefecture = models.ForeignKey(
        Prefecture,
        verbose_name="都道府県",
        on_delete=models.PROTECT,
        related_name="local_governments",
    )
    name = models.CharField("名称", max_length=40)
    name_kana = models.CharField("読み", max_length=80)
    kind = models.CharField("種別", max_length=12, choices=Kind.choices)
    lat = models.FloatField("緯度", null=True, blank=True)
    lng = models.FloatField("経度", null=True, blank=True)
    is_defunct = models.BooleanField("廃止", default=False)
    successor = models.ForeignKey(
        "self",
        verbose_name="承継団体",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "地方公共団体"
        verbose_name_plural = "地方公共団体"
        indexes = [models.Index(fields=["prefecture", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="lg_code_six_digits"
            )
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.PREFECTURE:
            return self.name
        return f"{self.prefecture.name}{self.name}" if self.prefecture_id else self.name

    @property
    def display_name(self) -> str:
        return str(self)
