"""Workflow actions on the order page: which form each action takes and which service it calls.

The actions offered are `orders.workflows.available_transitions(order, user)`; the service
checks everything again (role, scope, state, version), so a stale or forged form is refused.
"""

from griddesk.console import forms
from griddesk.orders import services


def _crew_step(step):
    def run(order, user, data, version):
        return services.order_crew_step(order=order, actor=user, step=step, note=data["note"],
                                        at=data.get("at"), expected_version=version)

    return run


def _stage(stage):
    def run(order, user, data, version):
        return services.order_application_stage(order=order, actor=user, stage=stage, note=data["note"],
                                                delay_reason=data["delay_reason"], expected_version=version)

    return run


def _simple(service, **fields):
    """A service taking the order, actor, expected_version and `fields` (service arg: form field)."""
    def run(order, user, data, version):
        kwargs = {arg: data[name] for arg, name in fields.items()}
        return service(order=order, actor=user, expected_version=version, **kwargs)

    return run


def _transfer(order, user, data, version):
    return services.order_transfer_to_leader(order=order, actor=user, note=data["note"], expected_version=version)


def _findings(order, user, data, version):
    return services.order_findings(order=order, actor=user, findings=data["findings"], cause=data["cause"],
                           responsibility=data["responsibility"], evidence=data.get("evidence"),
                           expected_version=version)


# action: (form class, run(order, user, cleaned_data, expected_version))
ACTIONS = {
    "dispatch": (forms.VersionedForm, _simple(services.order_dispatch)),
    "guide": (forms.GuideForm, _simple(services.order_guide, guidance="guidance")),
    "quote": (forms.QuoteForm, _simple(services.order_quote, lines="lines")),
    "consent": (forms.ConsentForm, _simple(services.order_consent, consent_by="consent_by", method="method")),
    "pay": (forms.PayForm, _simple(services.order_pay, method="method", reference="reference")),
    "invoice": (forms.InvoiceForm, _simple(services.order_invoice, invoice_no="invoice_no")),
    "crew_accept": (forms.CrewStepForm, _crew_step("crew_accept")),
    "arrive": (forms.CrewStepForm, _crew_step("arrive")),
    "survey": (forms.CrewStepForm, _crew_step("survey")),
    "repair": (forms.CrewStepForm, _crew_step("repair")),
    "restore": (forms.CrewStepForm, _crew_step("restore")),
    "forward": (forms.ForwardForm, _simple(services.order_forward, department="department", note="note")),
    "bounce": (forms.ReasonForm, _simple(services.order_bounce, reason="reason")),
    "contact": (forms.RequiredNoteForm, _simple(services.order_contact, note="note")),
    "findings": (forms.FindingsForm, _findings),
    "reply": (forms.ReplyForm, _simple(services.order_reply, reply="reply")),
    "visit": (forms.VisitForm, _simple(services.order_visit, satisfaction="satisfaction", note="note")),
    "answer": (forms.AnswerForm, _simple(services.order_answer, answer="answer")),
    "owe_callback": (forms.CallbackForm, _simple(services.order_owe_callback, phone="phone", note="note")),
    "reply_plan": (forms.StageForm, _stage("reply_plan")),
    "submit_design": (forms.StageForm, _stage("submit_design")),
    "review_design": (forms.StageForm, _stage("review_design")),
    "inspect": (forms.StageForm, _stage("inspect")),
    "inspect_fail": (forms.StageForm, _stage("inspect_fail")),
    "sign_contract": (forms.StageForm, _stage("sign_contract")),
    "energise": (forms.StageForm, _stage("energise")),
    "wait_customer": (forms.WaitCustomerForm, _simple(services.order_wait_customer, reason="reason")),
    "customer_back": (forms.NoteForm, _simple(services.order_customer_back, note="note")),
    "request_visit": (forms.ReasonForm, _simple(services.order_request_visit, reason="reason")),
    "archive": (forms.VersionedForm, _simple(services.order_archive)),
    "transfer_to_leader": (forms.NoteForm, _transfer),
}
