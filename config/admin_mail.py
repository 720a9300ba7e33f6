"""The mail ADMINS get for a server error, without the visitor's request."""

import logging

from django.utils.log import AdminEmailHandler

from config.logging import redact


class PrivateAdminEmailHandler(AdminEmailHandler):
    """Django's 500 mail without the request: its report lists headers, cookies, the client
    address and the posted form, which the curators' visitors never agreed to send."""

    def __init__(self):
        super().__init__(include_html=False)

    def emit(self, record: logging.LogRecord) -> None:
        private = logging.makeLogRecord(record.__dict__)
        private.request = None
        private.msg = redact(private.getMessage())
        private.args = ()
        super().emit(private)
