"""Login (password, then the TOTP code when the user has turned it on), logout, and the account page
(language, password change, second factor, REDCap tokens)."""

from __future__ import annotations

import base64

import django_otp
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from haictrial.edc.accounts.services import issue_token, live_tokens, revoke_token_of, set_language
from haictrial.edc.web.forms import LanguageForm, LoginForm, OtpConfirmForm


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user)
        if form.otp_device is not None:
            django_otp.login(request, form.otp_device)
        target = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = "web:dashboard"
        return redirect(target)
    return render(request, "web/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def account(request: HttpRequest, password_form: PasswordChangeForm | None = None) -> HttpResponse:
    user = request.user
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "-id").first()
    context = {
        "language_form": LanguageForm(initial={"language": user.language or translation.get_language()}),
        "otp_form": OtpConfirmForm(),
        "password_form": password_form or PasswordChangeForm(user),
        "device": device,
        "redcap_tokens": live_tokens(user, "redcap"),
    }
    if device is not None and not device.confirmed:
        context["otp_key"] = base64.b32encode(device.bin_key).decode("ascii")
        context["otp_url"] = device.config_url
    return render(request, "web/account.html", context, status=400 if password_form is not None else 200)


@login_required
@require_POST
def account_password(request: HttpRequest) -> HttpResponse:
    """Change the signed-in user's password: the current one, then the new one twice, checked by the
    project's AUTH_PASSWORD_VALIDATORS (django.contrib.auth's PasswordChangeForm). The change is sealed in
    the audit trail by the user signals (haictrial.edc.audit.accounts: "password changed", never the hash);
    the session stays signed in (``update_session_auth_hash``), other sessions of the user end.

    References: 21 CFR Part 11 section 11.300(b) (passwords periodically checked, recalled or revised).
    """
    form = PasswordChangeForm(request.user, request.POST)
    if not form.is_valid():
        return account(request, password_form=form)
    user = form.save()
    update_session_auth_hash(request, user)
    messages.success(request, _("Password changed."))
    return redirect("web:account")


@login_required
@require_POST
def account_language(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        set_language(request.user, form.cleaned_data["language"])
        translation.activate(form.cleaned_data["language"])
        messages.success(request, _("Language saved."))
    response = redirect("web:account")
    if form.is_valid():
        response.set_cookie("django_language", form.cleaned_data["language"], samesite="Lax")
    return response


@login_required
@require_POST
def account_otp(request: HttpRequest) -> HttpResponse:
    """Start, confirm or turn off the TOTP second factor of the page login."""
    user = request.user
    action = request.POST.get("action")
    if action == "start":
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    elif action == "confirm":
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        form = OtpConfirmForm(request.POST)
        if device is not None and form.is_valid() and device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save()
            django_otp.login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
        else:
            messages.error(request, _("The authentication code is not valid."))
    elif action == "disable":
        # Only a session that passed the second factor may turn it off.
        if user.is_verified():  # type: ignore[union-attr]
            TOTPDevice.objects.filter(user=user).delete()
            messages.success(request, _("Two-factor authentication is off."))
        else:
            messages.error(request, _("Sign in with your authentication code first."))
    return redirect("web:account")


@login_required
@require_POST
def account_redcap_token(request: HttpRequest) -> HttpResponse:
    """Issue a REDCap-format token for the read-only /redcap/api/ (shown once), or revoke one of the user's own
    (docs/contracts/interop.md, REDCap API subset)."""
    user = request.user
    if request.POST.get("action") == "revoke":
        try:
            token_id = int(request.POST.get("token_id", ""))
        except ValueError:
            token_id = -1
        if revoke_token_of(user, token_id):
            messages.success(request, _("REDCap token revoked."))
        else:
            messages.error(request, _("No such live token."))
        return redirect("web:account")
    token = issue_token(user, kind="redcap")
    response = render(request, "web/redcap_token.html", {"token": token})
    return response
