"""Handlers for the user_signup example: a mail service and a webhook receiver that take time.

LATENCY (simulated seconds) and MAIL_BUSY_TIMES are module knobs that tests turn.
"""

from asl_runtime import sleep

LATENCY = {"mail": 2, "webhook": 1}
MAIL_BUSY_TIMES = 0
SENT: list[dict] = []
DELIVERED: list[dict] = []


class MailServerBusy(Exception):
    pass


def SendVerificationEmail(event, context):
    global MAIL_BUSY_TIMES
    if MAIL_BUSY_TIMES > 0:
        MAIL_BUSY_TIMES -= 1
        raise MailServerBusy("421 try again later")
    sleep(LATENCY["mail"])
    SENT.append({"to": event["email"], "link": event["link"]})
    return {"messageId": f"mail-{len(SENT)}"}


def PostWebhook(event, context):
    sleep(LATENCY["webhook"])
    DELIVERED.append({"url": event["url"], "event": event["event"], "userId": event["userId"]})
    return {"status": 202}
