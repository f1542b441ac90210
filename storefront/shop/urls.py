from django.urls import path

from storefront.shop.views import shop_page

app_name = "shop"

urlpatterns = [
    path("", shop_page, name="shop"),
    path("return", shop_page, {"page": "return"}, name="return"),
    path("failed", shop_page, {"page": "failed"}, name="failed"),
]
