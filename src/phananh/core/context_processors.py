"""What every page shows of the deployment: the province, its hotline, the emergency numbers."""

from django.conf import settings


def deployment(request) -> dict:
    return {
        "province_name": settings.PHANANH_PROVINCE_NAME,
        "hotline": settings.PHANANH_HOTLINE,
        "emergency_numbers": settings.PHANANH_EMERGENCY_NUMBERS,
    }
