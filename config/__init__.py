import os

from .celery import app as celery_app

# `make run` children stop with scripts/devserver.py where the kernel cannot tell them
# (see core/devwatch.py); popped so that a grandchild does not watch the wrong parent.
_parent = os.environ.pop("YOKOITO_PARENT_PID", "")
if _parent.isdigit():
    from core.devwatch import watch_parent

    watch_parent(int(_parent))

__all__ = ("celery_app",)
