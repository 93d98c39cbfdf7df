from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "公示与题库开发"

    def ready(self):
        # Registered here so documents imports nothing of this app.
        from documents.exporters import EXPORTERS
        from documents.models import Document

        from .exporter import ProjectsXlsx

        EXPORTERS[Document.Kind.PROJECTS_XLSX] = ProjectsXlsx()
