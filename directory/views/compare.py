"""`/compare/?orgs=a,b,...`: organizations side by side, for donors deciding where to give."""

from django.shortcuts import render

from directory import compare as comparison


def compare(request):
    selection = comparison.select(request.GET)
    ctx = {"selection": selection, "max_compared": comparison.MAX_COMPARED}
    return render(request, "directory/compare.html", ctx, status=400 if selection.errors else 200)
