from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import Membership, Message, Organisation, User
from relais.models import ContactLog, Quartier, Relais, RelaisResidence, RelaisStatusChange, Residence


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Quartier)
class QuartierAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "is_qpv"]
    list_filter = ["organisation"]


@admin.register(Residence)
class ResidenceAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "quartier", "dwellings", "reference"]
    list_filter = ["organisation"]
    search_fields = ["name", "reference"]


class RelaisResidenceInline(admin.TabularInline):
    model = RelaisResidence
    extra = 0
    raw_id_fields = ["residence"]


@admin.register(Relais)
class RelaisAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "organisation", "status"]
    list_filter = ["organisation", "status"]
    search_fields = ["last_name", "first_name", "email"]
    inlines = [RelaisResidenceInline]
    raw_id_fields = ["user"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["organisation", "role"]
    raw_id_fields = ["user"]


admin.site.register([RelaisStatusChange, ContactLog, Message])
admin.site.site_header = "Trait d'union — administration"
