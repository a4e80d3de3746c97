from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def placeholder(request):
    # Replaced by the app's pages.
    return redirect("home")
