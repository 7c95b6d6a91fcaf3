"""Phone-sized pages for repair crews (抢修班组移动端); see console/crew.py."""

app_name = "crew"
urlpatterns = []
