"""The Django admin (admin role only): sites, users and API tokens. Clinical rows are not here:
they are read through the site-isolation layer, in the pages and the API."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from haictrial.edc.accounts.models import ApiToken, Site, User


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "created_at")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "sites")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Trial"), {"fields": ("role", "sites", "language", "is_active")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),)
    filter_horizontal = ("sites",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "expires_at", "last_used_at")
    readonly_fields = ("user", "key_hash", "created_at", "last_used_at")
