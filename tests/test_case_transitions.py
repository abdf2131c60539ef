"""The case state machine: every legal transition, and illegal ones that change nothing."""

from __future__ import annotations

import copy

import pytest

from app.domain.case import (
    Actor,
    Case,
    CaseInMemory,
    CaseState,
    apply_event,
    apply_event_in_place,
    authorize_event,
    category,
    extended_days,
    extension_rule,
    replay,
    suspension_reasons,
)
from app.domain.catalog import CaseType, MatterType
from app.domain.errors import PermissionDenied, TransitionError, ValidationError
from app.domain.events import Event, EventType
from app.domain.roles import Role
from tests.builders import (
    CASE_ID,
    Clock,
    accepted,
    event,
    make_matter,
    registered,
    reviewed,
)


def test_registration_records_first_responder_and_promised_matter() -> None:
    case = registered()
    assert case.state is CaseState.REGISTERED
    assert case.first_responder_id == "clerk1"
    assert case.matter.name == "个体工商户登记"
    assert category(case) is CaseType.PROMISED


def test_registering_the_same_case_twice_is_refused() -> None:
    case = registered()
    with pytest.raises(TransitionError):
        apply_event(case, event(EventType.REGISTERED, number="X", matter={}, applicant={}))


def test_event_for_unregistered_case_is_refused() -> None:
    with pytest.raises(TransitionError) as err:
        apply_event(None, event(EventType.ACCEPTED, accepted_on="2026-11-23"))
    assert err.value.code == "unknown_case"


def test_one_time_notice_lists_missing_materials_and_case_becomes_supplement() -> None:
    case = registered()
    case = apply_event(
        case,
        event(
            EventType.NOTICE_ISSUED,
            missing=[
                {"name": "经营场所使用证明", "problem": "未提供", "needed": "租赁合同复印件"},
                {"name": "经营者身份证明", "problem": "复印件不清晰", "needed": "清晰复印件"},
            ],
        ),
    )
    assert case.state is CaseState.AWAITING_SUPPLEMENT
    assert category(case) is CaseType.SUPPLEMENT
    assert [m["name"] for m in case.missing_materials] == ["经营场所使用证明", "经营者身份证明"]


def test_empty_one_time_notice_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        apply_event(registered(), event(EventType.NOTICE_ISSUED, missing=[]))
    assert err.value.field == "missing"


def test_case_resumes_only_when_every_listed_material_arrives() -> None:
    case = apply_event(
        registered(),
        event(
            EventType.NOTICE_ISSUED,
            missing=[
                {"name": "甲"},
                {"name": "乙"},
            ],
        ),
    )
    case = apply_event(case, event(EventType.SUPPLEMENTED, received=["甲"]))
    assert case.state is CaseState.AWAITING_SUPPLEMENT
    case = apply_event(case, event(EventType.SUPPLEMENTED, received=["乙"]))
    assert case.state is CaseState.REGISTERED
    case = apply_event(case, event(EventType.ACCEPTED, accepted_on="2026-11-24"))
    assert case.state is CaseState.ACCEPTED


def test_supplementing_a_material_not_in_the_notice_is_refused() -> None:
    case = apply_event(registered(), event(EventType.NOTICE_ISSUED, missing=[{"name": "甲"}]))
    with pytest.raises(ValidationError) as err:
        apply_event(case, event(EventType.SUPPLEMENTED, received=["丙"]))
    assert "丙" in err.value.message


def test_accept_records_acceptance_date_and_promised_days() -> None:
    case = accepted()
    assert case.accepted_on.isoformat() == "2026-11-23"
    assert case.promised_working_days == 3


def test_reject_at_intake_requires_reasons_and_makes_a_returned_case() -> None:
    with pytest.raises(ValidationError):
        apply_event(registered(), event(EventType.REJECTED, reasons=" "))
    case = apply_event(
        registered(),
        event(
            EventType.REJECTED,
            reasons="不属于本机关职权范围",
            redirect_authority="市自然资源局",
        ),
    )
    assert case.state is CaseState.REJECTED
    assert category(case) is CaseType.RETURNED
    assert case.completed_at is not None


def test_accepting_a_rejected_case_is_refused_and_changes_nothing() -> None:
    case = apply_event(registered(), event(EventType.REJECTED, reasons="不属于本机关职权范围"))
    before = copy.deepcopy(case)
    with pytest.raises(TransitionError) as err:
        apply_event(case, event(EventType.ACCEPTED, accepted_on="2026-11-23"))
    assert "不予受理" in err.value.message
    assert case == before


def test_review_then_approve_then_seal_completes_at_seal_time() -> None:
    case = reviewed()
    case = apply_event(case, event(EventType.APPROVED, actor="chief1", opinion="同意"))
    assert case.state is CaseState.APPROVED
    seal = event(
        EventType.SEALED,
        actor="chief1",
        document_kind="approval_decision",
        document_number="〔2026〕XC01第0001号",
        seal_id="S1",
        seal_use_id="U1",
        pdf_sha256="ab" * 32,
    )
    case = apply_event(case, seal)
    assert case.state is CaseState.COMPLETED
    assert case.completed_at == seal.device_time
    assert case.outcome == "approved"


def test_reviewer_can_never_approve_their_own_case() -> None:
    case = reviewed(reviewer="clerk1")
    with pytest.raises(PermissionDenied) as err:
        apply_event(case, event(EventType.APPROVED, actor="clerk1", opinion="同意"))
    assert err.value.code == "same_reviewer_approver"


def test_single_officer_immediate_matter_may_be_reviewed_and_approved_by_one_person() -> None:
    matter = make_matter(case_type=CaseType.IMMEDIATE, single_officer=True, promised_working_days=0)
    case = reviewed(matter, reviewer="clerk1")
    case = apply_event(case, event(EventType.APPROVED, actor="clerk1", opinion="同意"))
    assert case.state is CaseState.APPROVED
    assert category(case) is CaseType.IMMEDIATE


def test_immediate_matter_without_single_officer_still_needs_a_second_person() -> None:
    matter = make_matter(case_type=CaseType.IMMEDIATE, promised_working_days=0)
    with pytest.raises(PermissionDenied):
        apply_event(reviewed(matter), event(EventType.APPROVED, actor="clerk1", opinion="同意"))


def test_deny_requires_reasons_and_seal_of_denial_completes_as_denied() -> None:
    case = reviewed()
    with pytest.raises(ValidationError):
        apply_event(case, event(EventType.DENIED, actor="chief1", opinion="不同意"))
    case = apply_event(
        case,
        event(
            EventType.DENIED,
            actor="chief1",
            opinion="不同意",
            reasons="经营场所不符合规划用途",
        ),
    )
    case = apply_event(
        case,
        event(
            EventType.SEALED,
            actor="chief1",
            document_kind="denial_decision",
            document_number="N",
            seal_id="S1",
            seal_use_id="U2",
            pdf_sha256="cd" * 32,
        ),
    )
    assert case.outcome == "denied"
    assert case.state is CaseState.COMPLETED


def test_approval_decision_cannot_be_sealed_on_a_denied_case() -> None:
    case = apply_event(
        reviewed(),
        event(
            EventType.DENIED,
            actor="chief1",
            opinion="不同意",
            reasons="不符合条件",
        ),
    )
    with pytest.raises(TransitionError):
        apply_event(
            case,
            event(
                EventType.SEALED,
                actor="chief1",
                document_kind="approval_decision",
                document_number="N",
                seal_id="S1",
                seal_use_id="U3",
                pdf_sha256="ef" * 32,
            ),
        )


def test_unknown_document_kind_is_not_sealable() -> None:
    with pytest.raises(TransitionError) as err:
        apply_event(
            accepted(),
            event(
                EventType.SEALED,
                actor="chief1",
                document_kind="receipt",
                document_number="N",
                seal_id="S1",
                seal_use_id="U",
                pdf_sha256="00",
            ),
        )
    assert err.value.code == "document_not_sealable"


def test_sealing_acceptance_notice_keeps_the_case_running() -> None:
    case = apply_event(
        accepted(),
        event(
            EventType.SEALED,
            actor="chief1",
            document_kind="acceptance_notice",
            document_number="N",
            seal_id="S1",
            seal_use_id="U",
            pdf_sha256="00",
        ),
    )
    assert case.state is CaseState.ACCEPTED
    assert case.completed_at is None


def test_joint_case_cannot_be_approved_until_every_department_countersigns() -> None:
    matter = make_matter(case_type=CaseType.JOINT, joint_departments=("ZJJ", "XFJ"))
    case = reviewed(matter)
    assert category(case) is CaseType.JOINT
    with pytest.raises(TransitionError) as err:
        apply_event(case, event(EventType.APPROVED, actor="chief1", opinion="同意"))
    assert err.value.code == "countersign_pending"
    case = apply_event(
        case,
        event(
            EventType.COUNTERSIGNED,
            actor="chief_zj",
            department_code="ZJJ",
            agree=True,
            opinion="同意",
        ),
    )
    with pytest.raises(TransitionError):
        apply_event(case, event(EventType.APPROVED, actor="chief1", opinion="同意"))
    case = apply_event(
        case,
        event(
            EventType.COUNTERSIGNED,
            actor="chief_xf",
            department_code="XFJ",
            agree=True,
            opinion="同意",
        ),
    )
    case = apply_event(case, event(EventType.APPROVED, actor="chief1", opinion="同意"))
    assert case.state is CaseState.APPROVED


def test_countersign_twice_by_one_department_is_refused() -> None:
    matter = make_matter(case_type=CaseType.JOINT, joint_departments=("ZJJ",))
    case = apply_event(
        reviewed(matter),
        event(
            EventType.COUNTERSIGNED,
            department_code="ZJJ",
            agree=True,
            opinion="同意",
        ),
    )
    with pytest.raises(TransitionError):
        apply_event(
            case,
            event(
                EventType.COUNTERSIGNED,
                department_code="ZJJ",
                agree=True,
                opinion="同意",
            ),
        )


def test_countersign_by_a_department_outside_the_matter_is_refused() -> None:
    matter = make_matter(case_type=CaseType.JOINT, joint_departments=("ZJJ",))
    with pytest.raises(ValidationError):
        apply_event(
            reviewed(matter),
            event(
                EventType.COUNTERSIGNED,
                department_code="GAJ",
                agree=True,
                opinion="同意",
            ),
        )


def test_forwarded_case_is_tracked_and_its_return_completes_it() -> None:
    case = apply_event(
        registered(),
        event(
            EventType.FORWARDED,
            authority="县行政审批服务局",
            to_station="XZ00",
            reason="需县级审批",
        ),
    )
    assert case.state is CaseState.FORWARDED
    assert category(case) is CaseType.FORWARDED
    case = apply_event(case, event(EventType.FORWARD_RETURNED, result="approved", opinion="准予"))
    assert case.state is CaseState.COMPLETED
    assert case.outcome == "approved"
    assert category(case) is CaseType.FORWARDED


def test_forward_returned_as_returned_counts_as_returned_case() -> None:
    case = apply_event(registered(), event(EventType.FORWARDED, authority="县局"))
    case = apply_event(
        case, event(EventType.FORWARD_RETURNED, result="returned", opinion="材料不全")
    )
    assert category(case) is CaseType.RETURNED


def test_return_of_a_case_that_was_not_forwarded_is_refused() -> None:
    with pytest.raises(TransitionError):
        apply_event(
            accepted(), event(EventType.FORWARD_RETURNED, result="approved", opinion="准予")
        )


def test_applicant_may_withdraw_before_decision_but_not_after() -> None:
    case = apply_event(accepted(), event(EventType.WITHDRAWN, reason="申请人主动撤回"))
    assert case.state is CaseState.WITHDRAWN
    approved = apply_event(reviewed(), event(EventType.APPROVED, actor="chief1", opinion="同意"))
    with pytest.raises(TransitionError):
        apply_event(approved, event(EventType.WITHDRAWN, reason="撤回"))


def test_green_channel_case_is_special() -> None:
    assert category(registered(green_channel=True)) is CaseType.SPECIAL


def test_deliver_only_after_completion() -> None:
    with pytest.raises(TransitionError):
        apply_event(reviewed(), event(EventType.DELIVERED, method="窗口领取"))


def test_suspension_blocks_review_until_resumed() -> None:
    case = apply_event(
        accepted(),
        event(
            EventType.SUSPENDED,
            reason_code="hearing",
            start="2026-11-24",
        ),
    )
    with pytest.raises(TransitionError):
        apply_event(case, event(EventType.REVIEWED, conforms=True, opinion="符合"))
    case = apply_event(case, event(EventType.RESUMED, end="2026-11-26"))
    assert case.suspensions == [
        {
            "reason_code": "hearing",
            "reason": "",
            "start": "2026-11-24",
            "end": "2026-11-26",
            "expected_working_days": None,
            "at": "2026-11-23T09:00:00+00:00",
        }
    ]


def test_suspension_for_an_unlisted_reason_is_refused() -> None:
    with pytest.raises(ValidationError):
        apply_event(
            accepted(), event(EventType.SUSPENDED, reason_code="holiday", start="2026-11-24")
        )


@pytest.mark.parametrize("reason_code", ["hearing", "tender", "auction", "testing",
                                         "quarantine", "appraisal", "expert_review"])
def test_every_procedure_of_article_45_stops_the_clock(reason_code: str) -> None:
    case = apply_event(accepted(), event(EventType.SUSPENDED, reason_code=reason_code,
                                         start="2026-11-24"))
    assert case.suspended


def test_site_inspection_is_review_time_and_does_not_stop_the_clock() -> None:
    with pytest.raises(ValidationError) as refused:
        apply_event(accepted(), event(EventType.SUSPENDED, reason_code="site_inspection",
                                      start="2026-11-24"))
    assert (refused.value.code, refused.value.field) == ("site_inspection_counts", "reason_code")
    assert "计入审查期限" in refused.value.message


def test_site_inspection_stops_the_clock_where_the_legal_basis_excludes_it() -> None:
    matter = make_matter(site_inspection=True, site_inspection_excluded=True)
    case = apply_event(accepted(matter), event(EventType.SUSPENDED,
                                               reason_code="site_inspection",
                                               start="2026-11-24"))
    assert case.suspensions[0]["reason_code"] == "site_inspection"


def test_only_a_matter_excluding_site_inspection_offers_it_as_a_reason() -> None:
    labels = [label for _code, label in suspension_reasons(make_matter())]
    assert labels == ["听证", "招标", "拍卖", "检验检测", "检疫", "鉴定", "专家评审"]
    excluded = make_matter(site_inspection_excluded=True)
    assert ("site_inspection", "现场核查") in suspension_reasons(excluded)


def test_extension_needs_a_reason_and_a_sane_number_of_days() -> None:
    with pytest.raises(ValidationError):
        apply_event(accepted(), event(EventType.EXTENDED, working_days=5, reason=""))
    with pytest.raises(ValidationError):
        apply_event(accepted(), event(EventType.EXTENDED, working_days=0, reason="复杂"))
    case = apply_event(accepted(), event(EventType.EXTENDED, working_days=5, reason="情况复杂"))
    assert case.extensions[0]["working_days"] == 5


def test_a_licence_may_be_extended_by_ten_working_days_in_all() -> None:
    # 行政许可法 第四十二条第一款: ten days, not ten per extension.
    case = apply_event(accepted(), event(EventType.EXTENDED, working_days=6, reason="情况复杂"))
    with pytest.raises(ValidationError) as second:
        apply_event(case, event(EventType.EXTENDED, working_days=5, reason="仍需核实"))
    assert second.value.code == "extension_over_limit"
    assert "第四十二条第一款" in second.value.message and "最多还能延长4个工作日" in second.value.message
    case = apply_event(case, event(EventType.EXTENDED, working_days=4, reason="仍需核实"))
    assert extended_days(case) == 10
    with pytest.raises(ValidationError):
        apply_event(accepted(), event(EventType.EXTENDED, working_days=11, reason="情况复杂"))


def test_a_joint_licence_gets_fifteen_days_and_the_governments_approval() -> None:
    joint = accepted(make_matter(case_type=CaseType.JOINT))
    rule = extension_rule(joint)
    assert (rule.limit_days, rule.approver, rule.article) == (
        15, "本级人民政府负责人", "第四十二条第二款")
    apply_event(joint, event(EventType.EXTENDED, working_days=15, reason="多部门联合核查"))
    with pytest.raises(ValidationError):
        apply_event(joint, event(EventType.EXTENDED, working_days=16, reason="多部门联合核查"))


def test_another_statute_or_a_non_licensing_matter_allows_a_longer_extension() -> None:
    # "法律、法规另有规定的，依照其规定": the extension names the statute.
    case = apply_event(accepted(), event(EventType.EXTENDED, working_days=30, reason="需专家论证",
                                         other_law_basis="《某某条例》第二十条"))
    assert case.extensions[0]["other_law_basis"] == "《某某条例》第二十条"
    service = accepted(make_matter(matter_type=MatterType.PUBLIC_SERVICE))
    assert extension_rule(service).article == ""
    apply_event(service, event(EventType.EXTENDED, working_days=20, reason="情况复杂"))
    with pytest.raises(ValidationError):
        apply_event(service, event(EventType.EXTENDED, working_days=61, reason="情况复杂"))


def test_fee_payment_cannot_exceed_recorded_fees() -> None:
    case = apply_event(
        accepted(),
        event(
            EventType.FEE_RECORDED,
            items=[{"code": "F1", "name": "登记费", "amount_fen": 5000}],
        ),
    )
    with pytest.raises(ValidationError):
        apply_event(case, event(EventType.FEE_PAID, amount_fen=6000, receipt_number="R1"))
    case = apply_event(case, event(EventType.FEE_PAID, amount_fen=5000, receipt_number="R1"))
    assert case.paid_total_fen == 5000


def test_evaluation_is_recorded_once() -> None:
    case = apply_event(accepted(), event(EventType.EVALUATED, rating="very_satisfied",
                                         channel="rating_device"))
    assert case.evaluation["channel"] == "rating_device"
    with pytest.raises(TransitionError):
        apply_event(case, event(EventType.EVALUATED, rating="satisfied", channel="qr_code"))


@pytest.mark.parametrize("channel", [None, "", "clerk", "counter"])
def test_an_evaluation_not_from_the_applicant_is_refused(channel) -> None:
    payload = {"rating": "very_satisfied"} | ({"channel": channel} if channel is not None else {})
    with pytest.raises(ValidationError) as refused:
        apply_event(accepted(), event(EventType.EVALUATED, **payload))
    assert refused.value.code == "evaluation_not_from_applicant"


def test_replay_gives_the_same_case_as_stepwise_application() -> None:
    events = [
        event(
            EventType.REGISTERED,
            number="XC01-20261123-0001",
            matter=make_matter().to_dict(),
            applicant={"name": "张三"},
        ),
        event(EventType.ACCEPTED, accepted_on="2026-11-23"),
    ]
    case = replay(events)
    assert case.id == CASE_ID
    assert case.state is CaseState.ACCEPTED
    assert case.event_count == 2


def _history() -> list[Event]:
    """A registration and events whose handlers change the case's lists in place."""
    clock = Clock()
    return [
        event(EventType.REGISTERED, clock=clock, number="XC01-20261123-0001",
              matter=make_matter().to_dict(), applicant={"name": "张三", "kind": "natural"},
              materials=[{"name": "甲", "copies": 1, "received": False, "problem": "缺页"}]),
        event(EventType.NOTICE_ISSUED, clock=clock, missing=[{"name": "甲"}, {"name": "乙"}]),
        event(EventType.SUPPLEMENTED, clock=clock, received=["甲"]),
        event(EventType.SUPPLEMENTED, clock=clock, received=["乙"]),
        event(EventType.ACCEPTED, clock=clock, accepted_on="2026-11-23"),
        event(EventType.SUSPENDED, clock=clock, reason_code="testing",
              start="2026-11-24"),
        event(EventType.RESUMED, clock=clock, end="2026-11-26"),
        event(EventType.FEE_RECORDED, clock=clock, items=[{"name": "登记费", "amount_fen": 500}]),
        event(EventType.FEE_PAID, clock=clock, amount_fen=200, receipt_number="P-1"),
    ]


def _scribble(value: object) -> None:
    """Change every list and dict reachable from ``value`` in place."""
    if isinstance(value, dict):
        for item in list(value.values()):
            _scribble(item)
        value["scribbled"] = True
    elif isinstance(value, list):
        for item in value:
            _scribble(item)
        value.append("scribbled")


def test_a_case_after_an_event_shares_no_list_or_dict_with_the_case_before() -> None:
    case = replay(_history()[:-1])
    before = copy.deepcopy(case)
    updated = apply_event(case, _history()[-1])
    for value in vars(updated).values():
        _scribble(value)
    assert case == before


def test_an_event_refused_half_way_through_its_handler_changes_nothing() -> None:
    case = registered()
    before = copy.deepcopy(case)
    # The handler records the acceptance date before it finds the promised days wrong.
    with pytest.raises(ValidationError):
        apply_event(case, event(EventType.ACCEPTED, accepted_on="2026-11-23",
                                promised_working_days=-1))
    assert case == before


def test_replay_in_place_gives_the_case_of_stepwise_application_and_keeps_the_events() -> None:
    history = _history()
    sent = copy.deepcopy(history)
    stepwise = None
    for item in history:
        stepwise = apply_event(stepwise, item)
    assert replay(iter(history)) == stepwise
    assert replay(history).materials == [{"name": "甲", "copies": 1, "received": True},
                                         {"name": "乙", "received": True, "copies": 1}]
    assert history == sent


def test_applying_in_place_changes_the_case_given_as_a_copy_would_become() -> None:
    history = _history()
    owned = replay(history[:-1])
    copied = apply_event(replay(history[:-1]), history[-1])
    assert apply_event_in_place(owned, history[-1]) is owned
    assert owned == copied
    assert apply_event_in_place(None, history[0]) == apply_event(None, history[0])


def test_a_case_in_memory_applies_in_place_and_a_refusal_leaves_it_as_it_was() -> None:
    history = _history()
    kept = CaseInMemory(history[:4])  # registered, all materials supplemented
    before = copy.deepcopy(kept.case)
    # The handler records the acceptance date before it finds the promised days wrong.
    with pytest.raises(ValidationError):
        kept.apply(event(EventType.ACCEPTED, accepted_on="2026-11-23",
                         promised_working_days=-1))
    assert kept.case == before and len(kept.history) == 4
    assert kept.apply(history[4]) is kept.case
    assert kept.case == replay(history[:5]) and kept.history == history[:5]
    assert CaseInMemory([]).case is None


def test_applying_in_place_refuses_what_apply_event_refuses() -> None:
    case = accepted()
    with pytest.raises(TransitionError) as again:
        apply_event_in_place(case, event(EventType.ACCEPTED, accepted_on="2026-11-23"))
    assert again.value.code == "illegal_transition"
    with pytest.raises(TransitionError) as unknown:
        apply_event_in_place(None, event(EventType.ACCEPTED, accepted_on="2026-11-23"))
    assert unknown.value.code == "unknown_case"


def test_registrations_carrying_matters_that_differ_only_in_number_types_stay_apart() -> None:
    whole = make_matter().to_dict()
    fractional = {**whole, "promised_working_days": 3.0}
    for matter in (whole, fractional, whole):
        case = apply_event(None, event(EventType.REGISTERED, number="XC01-20261123-0001",
                                       matter=matter, applicant={"name": "张三"}))
        assert type(case.matter.promised_working_days) is type(matter["promised_working_days"])
    with pytest.raises(ValidationError):  # the matter's days are no whole number
        apply_event(case_with(fractional), event(EventType.ACCEPTED, accepted_on="2026-11-23"))
    accepted_case = apply_event(case_with(whole),
                                event(EventType.ACCEPTED, accepted_on="2026-11-23"))
    assert accepted_case.promised_working_days == 3


def case_with(matter: dict[str, object]) -> Case:
    return apply_event(None, event(EventType.REGISTERED, number="XC01-20261123-0001",
                                   matter=matter, applicant={"name": "张三"}))


def test_replay_of_nothing_or_of_a_history_that_breaks_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        replay([])
    assert err.value.code == "no_events"
    history = _history()
    with pytest.raises(TransitionError) as broken:
        replay([*history[:5], history[0]])
    assert broken.value.code == "already_registered"
    with pytest.raises(TransitionError) as headless:
        replay(history[1:])
    assert headless.value.code == "unknown_case"


def test_clerk_role_cannot_approve() -> None:
    clerk = Actor("clerk2", "李四", frozenset({Role.CLERK}), department_code="SCJ")
    with pytest.raises(PermissionDenied):
        authorize_event(reviewed(), event(EventType.APPROVED, actor="clerk2"), clerk)


def test_chief_of_another_department_cannot_approve() -> None:
    chief = Actor("chief9", "王五", frozenset({Role.CHIEF}), department_code="GTJ")
    with pytest.raises(PermissionDenied) as err:
        authorize_event(reviewed(), event(EventType.APPROVED, actor="chief9"), chief)
    assert err.value.code == "wrong_department"


def test_deputy_of_the_department_may_approve() -> None:
    deputy = Actor(
        "clerk3",
        "赵六",
        frozenset({Role.CLERK}),
        department_code="SCJ",
        deputy_for_departments=frozenset({"SCJ"}),
    )
    authorize_event(reviewed(), event(EventType.APPROVED, actor="clerk3"), deputy)


def test_deputy_for_another_department_may_not_approve() -> None:
    deputy = Actor(
        "clerk3",
        "赵六",
        frozenset({Role.CLERK}),
        department_code="SCJ",
        deputy_for_departments=frozenset({"GTJ"}),
    )
    with pytest.raises(PermissionDenied):
        authorize_event(reviewed(), event(EventType.APPROVED, actor="clerk3"), deputy)
