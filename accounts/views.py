from django.shortcuts import render

from core.access import applicant


@applicant
def application_status(request):
    return render(request, "accounts/status.html", {"user_obj": request.user})
