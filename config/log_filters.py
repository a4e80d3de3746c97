"""Logging filters named in settings.LOGGING."""

import logging


class ForbiddenOneLine(logging.Filter):
    """A 403 is an expected answer (a role that may not do something), not a server fault: keep Django's
    "Forbidden (Permission denied): /path" line but drop the traceback that `django.request` attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
