"""The trail as a kind of document; registered in AuditConfig.ready."""

from documents.exporters import TableXlsx


class AuditXlsx(TableXlsx):
    name = "修改留痕"

    def render(self, doc, progress):
        from audit.export import render_trail

        return render_trail(self._call(doc), doc.params, progress)
