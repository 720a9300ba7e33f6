"""The public's contributions: suggest an organization, report a correction.

Both only ever reach the moderation queue. Spam (the honeypot) is answered exactly like
a real submission, so bots learn nothing, but is not saved.
"""

from django.shortcuts import get_object_or_404, redirect, render

from directory import notifications
from directory.forms import CorrectionForm, SuggestionForm
from directory.models import Organization
from directory.ratelimit import ratelimit


@ratelimit("forms", method="POST")
def suggest(request):
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.is_spam():
            notifications.new_suggestion(form.save())
        return redirect("directory:suggest-thanks")
    status = 400 if form.errors else 200
    return render(request, "directory/suggest.html", {"form": form}, status=status)


def suggest_thanks(request):
    return render(request, "directory/contribution_thanks.html", {"kind": "suggestion"})


@ratelimit("forms", method="POST")
def report_correction(request, slug):
    organization = get_object_or_404(Organization.objects.published(), slug=slug)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.is_spam():
            form.instance.organization = organization
            notifications.new_correction(form.save())
        return redirect("directory:correction-thanks", slug=slug)
    ctx = {"form": form, "organization": organization}
    return render(request, "directory/correction.html", ctx, status=400 if form.errors else 200)


def correction_thanks(request, slug):
    organization = get_object_or_404(Organization.objects.published(), slug=slug)
    ctx = {"kind": "correction", "organization": organization}
    return render(request, "directory/contribution_thanks.html", ctx)
