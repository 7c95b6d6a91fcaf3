"""Building the demo province (演示省) into the database.

`build_demo_province` writes, in one transaction, what the pure planners of this
package describe: organisation, staff, crews, network, customers and the order
history with its hash-chained audit events (rule K-8). It only ever fills an empty
province: there is no reset, because order history is never deleted (K-8); start
from a fresh database instead (docs/demo.md).
"""

import json
import resource
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from griddesk.audit.services import event_hash
from griddesk.audit.signing import signing_key
from griddesk.billing.models import Bill, PayChannel
from griddesk.customers.models import Contact, Customer
from griddesk.demo import bills, history, storms
from griddesk.demo.bulk import BATCH_SIZE, TableWriter, database_size, database_tidy, next_id, sequences_reset
from griddesk.demo.customers import customer_rows, layout_customers
from griddesk.demo.network import plan_network
from griddesk.demo.outages import plan_planned
from griddesk.demo.province import DEMO_PASSWORD, plan_province, plan_staff
from griddesk.demo.sizes import HISTORY_DAYS, backlog_for, orders_for, transformers_for
from griddesk.grid.models import Device, DeviceKind
from griddesk.notify.models import Message, NotifyChannel
from griddesk.orders import clocks
from griddesk.orders.models import Category, OrderNumberCounter, OrderState, SlaClock, WorkOrder
from griddesk.orgs.models import Crew, Org, Role, RoleCode, Staff
from griddesk.outages.models import (
    AnalyzerMark,
    CallDecision,
    OutageEvent,
    OutageSource,
    OutageState,
    StormDeclaration,
    TroubleCall,
)
from griddesk.outages.network import network_load
from griddesk.paths import SEGMENT, segment

MAX_CUSTOMERS = 10_000_000


class DemoRefused(Exception):
    """The demo cannot be built here; the message says why and what to do."""


def demo_blockers():
    """What already exists that the demo province would collide with (empty dict: nothing)."""
    present = {
        _("单位"): Org.objects.count(), _("设备"): Device.objects.count(),
        _("客户"): Customer.objects.count(), _("工单"): WorkOrder.objects.count(),
    }
    return {name: n for name, n in present.items() if n}


def blockers_text(blockers):
    return "，".join(_("%(what)s %(n)s 条") % {"what": name, "n": f"{n:,}"} for name, n in blockers.items())


def build_demo_province(customers=2000, seed=1, stdout=None, *, orders=None, days=HISTORY_DAYS, now=None,
                        batch_size=BATCH_SIZE):
    """Build the demo province into an empty database; return a summary dict (counts, seconds, logins).

    `orders` defaults to one per 50 customers; the history covers the `days` days
    before today and today up to `now`. Raises DemoRefused, changing nothing, when
    the arguments are out of range or the database already holds a province.
    """
    _validate(customers=customers, orders=orders, days=days)
    blockers = demo_blockers()
    if blockers:
        raise DemoRefused(_(
            "数据库中已有数据（%(found)s），演示省只能装入空库。"
            "SQLite：删除数据库文件（默认 var/griddesk.sqlite3）后执行 griddesk migrate 再试；"
            "PostgreSQL：新建一个空库并 migrate。只想在空库时装入请加 --if-empty。"
        ) % {"found": blockers_text(blockers)})
    now = now or timezone.now()
    started = time.perf_counter()
    build = _Build(seed=seed, customers=customers, days=days, now=now, batch_size=batch_size,
                   orders=orders_for(customers) if orders is None else orders, progress=_Progress(stdout))
    with transaction.atomic():
        build.run()
    tidy_started = time.perf_counter()
    database_tidy()
    build.progress.line(_("整理"), 0, time.perf_counter() - tidy_started)
    return build.summary(seconds=time.perf_counter() - started)


def _validate(*, customers, orders, days):
    if not isinstance(customers, int) or not 1 <= customers <= MAX_CUSTOMERS:
        raise DemoRefused(_("客户数必须是 1 到 %(max)s 之间的整数，收到：%(value)s")
                          % {"max": f"{MAX_CUSTOMERS:,}", "value": customers})
    if orders is not None and (not isinstance(orders, int) or orders < 0):
        raise DemoRefused(_("工单数不能为负数，收到：%s") % orders)
    if not isinstance(days, int) or not 1 <= days <= 3650:
        raise DemoRefused(_("历史天数必须是 1 到 3650 之间的整数，收到：%s") % days)


def history_start(now, days):
    """Midnight (Asia/Shanghai) `days` days before `now`'s date, in UTC: where the history begins."""
    today = timezone.localdate(now)
    midnight = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    return (midnight - timedelta(days=days)).astimezone(UTC)


class _Progress:
    def __init__(self, stdout):
        self.stdout = stdout
        self.stages = {}

    def line(self, stage, count, seconds, cpu=None):
        self.stages[stage] = {"rows": count, "seconds": round(seconds, 2),
                              "cpu": None if cpu is None else round(cpu, 2)}
        if self.stdout is not None:
            self.stdout.write(f"  {stage:<8} {count:>10,} 行  {seconds:7.1f} s\n")


class _Build:
    """One build: the plans, the key -> primary key offsets, and a method per stage."""

    def __init__(self, *, seed, customers, days, now, batch_size, orders, progress):
        self.seed, self.customers, self.days, self.now = seed, customers, days, now
        self.batch_size, self.orders, self.progress = batch_size, orders, progress

    def run(self):
        self._stage(_("单位"), self.write_orgs)
        self._stage(_("人员"), self.write_staff)
        self._stage(_("班组"), self.write_crews)
        self._stage(_("设备"), self.write_network)
        self._stage(_("客户"), self.write_customers)
        self._stage(_("账单"), self.write_bills)
        self._stage(_("工单"), self.write_history)
        self._stage(_("时限"), self.write_clocks)
        self._stage(_("停电"), self.write_outages)
        self._stage(_("研判"), self.write_trouble_calls)
        self._stage(_("话务"), self.write_service_records)
        self._stage(_("供电质量"), self.write_quality)
        sequences_reset([Org, Staff, Crew, Device, Customer, WorkOrder, OutageEvent])

    def _stage(self, name, method):
        started, cpu = time.perf_counter(), time.process_time()
        count = method()
        self.progress.line(name, count, time.perf_counter() - started, time.process_time() - cpu)

    # ------------------------------------------------------------ organisation and people

    def write_orgs(self):
        self.province = plan_province(self.seed, province_code=settings.GRIDDESK_PROVINCE_CODE)
        self.org_base = next_id(Org)
        paths, rows = {}, []
        for row in self.province.orgs:
            pk = self.org_base + row.key
            path = (paths[row.parent] if row.parent is not None else "") + segment(pk)
            paths[row.key] = path
            rows.append(Org(
                pk=pk, code=row.code, name=row.name, kind=row.kind, phone=row.phone, address=row.address,
                parent_id=self.org_pk(row.parent), path=path, depth=len(path) // SEGMENT - 1,
            ))
        Org.objects.bulk_create(rows, batch_size=self.batch_size)
        self.org_codes = {row.key: row.code for row in self.province.orgs}
        return len(rows)

    def org_pk(self, key):
        return None if key is None else self.org_base + key

    def write_staff(self):
        self.staffing = plan_staff(self.seed, self.province, customers=self.customers)
        taken = list(Staff.objects.filter(username__in=[s.username for s in self.staffing.staff])
                     .order_by("username").values_list("username", flat=True)[:5])
        if taken:
            raise DemoRefused(_("演示账号的用户名已被占用：%s。请换一个空库。") % "、".join(taken))
        roles = dict(Role.objects.values_list("code", "pk"))
        missing = sorted(set(RoleCode.values) - roles.keys())
        if missing:
            raise DemoRefused(_("缺少角色 %s：请先执行 griddesk migrate。") % "、".join(missing))
        self.staff_base = next_id(Staff)
        password = make_password(DEMO_PASSWORD)  # hashed once: one PBKDF2 run, not hundreds
        Staff.objects.bulk_create([
            Staff(pk=self.staff_base + s.key, username=s.username, first_name=s.name, password=password,
                  org_id=self.org_pk(s.org), agent_no=s.agent_no, phone=s.phone, is_staff=s.is_staff,
                  is_superuser=s.is_superuser)
            for s in self.staffing.staff
        ], batch_size=self.batch_size)
        Through = Staff.roles.through
        Through.objects.bulk_create([
            Through(staff_id=self.staff_base + s.key, role_id=roles[code])
            for s in self.staffing.staff for code in s.roles
        ], batch_size=self.batch_size)
        return len(self.staffing.staff)

    def write_crews(self):
        self.crew_base = next_id(Crew)
        crews = self.staffing.crews
        Crew.objects.bulk_create([
            Crew(pk=self.crew_base + c.key, code=c.code, name=c.name, org_id=self.org_pk(c.org),
                 phone=c.phone)
            for c in crews
        ])
        Through = Crew.members.through
        Through.objects.bulk_create([
            Through(crew_id=self.crew_base + c.key, staff_id=self.staff_base + m)
            for c in crews for m in c.members
        ], batch_size=self.batch_size)
        self.crew_codes = {c.key: c.code for c in crews}
        return len(crews)

    # ------------------------------------------------------------ network and customers

    def write_network(self):
        self.network = plan_network(self.seed, self.province, self.staffing,
                                    transformers=transformers_for(self.customers))
        self.device_base = next_id(Device)
        paths, batch, count = {}, [], 0
        for d in self.network.devices:
            pk = self.device_base + d.key
            path = (paths[d.parent] if d.parent is not None else "") + segment(pk)
            if d.kind != DeviceKind.TRANSFORMER:
                paths[d.key] = path  # only devices with children need theirs kept
            batch.append(Device(
                pk=pk, device_id=d.device_id, kind=d.kind, name=d.name, zone=d.zone,
                parent_id=None if d.parent is None else self.device_base + d.parent,
                org_id=self.org_pk(d.org), crew_id=None if d.crew is None else self.crew_base + d.crew,
                path=path, depth=len(path) // SEGMENT - 1,
            ))
            if len(batch) >= self.batch_size:
                count += len(Device.objects.bulk_create(batch))
                batch = []
        count += len(Device.objects.bulk_create(batch))
        return count

    def write_customers(self):
        self.layout = layout_customers(self.seed, self.network, self.customers)
        self.calls = history.plan_calls(self.seed, self.layout, orders=self.orders, days=self.days)
        self.backlog = history.plan_backlog(self.seed, self.layout, count=backlog_for(self.orders))
        self.storms = storms.StormPlan()
        if self.orders:
            self.storms = storms.plan_storms(self.seed, self.province, self.network, self.layout,
                                             start=history_start(self.now, self.days), now=self.now)
        wanted = (self.calls.customer_indexes() | {c.customer for c in self.backlog if c.customer is not None}
                  | self.storms.customer_indexes())
        self.callers = {}  # the customers who call in the history: O(orders), not O(customers)
        self.billed = []  # (pk, supply voltage) of the customers given bills (write_bills)
        self.customer_base = next_id(Customer)
        customer_fields = ["id", "account_no", "name", "phone", "address", "transformer_id", "supply_voltage",
                           "zone", "important", "sensitive", "org_id", "created_at", "updated_at"]
        contact_fields = ["customer_id", "name", "phone", "relation"]
        with TableWriter(Customer, customer_fields, batch_size=self.batch_size) as out, \
                TableWriter(Contact, contact_fields, batch_size=self.batch_size) as contacts:
            for row in customer_rows(self.seed, self.province, self.network, self.layout):
                pk = self.customer_base + row.index
                out.add((pk, row.account_no, row.name, row.phone, row.address,
                         self.device_base + row.transformer, row.supply_voltage, row.zone, row.important,
                         row.sensitive, self.org_pk(row.org), row.created_at, row.created_at))
                if row.contact:
                    contacts.add((pk, *row.contact))
                if row.index in wanted:
                    self.callers[row.index] = row
                if row.index < bills.BILLED_CUSTOMERS_MAX:
                    self.billed.append((pk, row.supply_voltage))
        return out.written

    def write_bills(self):
        """Rules B-1, B-2: a year of monthly bills for the demo's customers (bills.BILLED_CUSTOMERS_MAX at
        most), estimated readings and unpaid months among them."""
        channels = dict(PayChannel.objects.values_list("code", "pk"))
        fields = ["customer_id", "month", "kwh", "amount", "estimated", "paid_at", "pay_channel_id"]
        # a customer's year per row of the customers' batches: as many statements as for the customers
        with TableWriter(Bill, fields, batch_size=self.batch_size * bills.MONTHS) as out:
            for row in bills.bill_rows(self.seed, self.billed, now=self.now, channels=channels):
                out.add(row)
        self.billed = []
        return out.written

    # ------------------------------------------------------------ history

    def write_history(self):
        ctx = history.Context(
            province=self.province, staffing=self.staffing, network=self.network, layout=self.layout,
            customers=self.callers, categories=categories_by_type(), org_codes=self.org_codes,
            crew_codes=self.crew_codes,
        )
        start = history_start(self.now, self.days)
        plans = history.plan_orders(self.seed, self.calls.calls, ctx, start=start, now=self.now,
                                    backlog=self.backlog, storms=self.storms.calls)
        # every repair call through the trouble-call analysis, over the network in the database (C-9)
        self.planned = plan_planned(self.seed, self.network, now=self.now, avoid=self.storms.feeders(self.network))
        self.net = network_load()
        self.analysis = storms.analyse(self.seed, plans, ctx, self.net, device_base=self.device_base,
                                       storms=self.storms, planned=self.planned, now=self.now)
        plans = storms.outage_plans(self.seed, plans, self.analysis, ctx, now=self.now)
        self.plans = plans
        self.outage_base = next_id(OutageEvent)
        self.outage_codes = self._outage_codes()
        numbers = _Numbers(settings.GRIDDESK_PROVINCE_CODE)
        self.signer = signing_key()
        self.order_base = next_id(WorkOrder)
        self.numbers = []
        staff = {s.key: s for s in self.staffing.staff}
        with TableWriter(WorkOrder, ORDER_FIELDS, batch_size=self.batch_size) as out, \
                TableWriter(AuditEvent, EVENT_FIELDS, batch_size=self.batch_size) as events, \
                TableWriter(AuditHead, ["stream", "seq", "hash"], batch_size=self.batch_size) as heads:
            for i, plan in enumerate(plans):
                pk = self.order_base + i
                number = numbers.next(plan.accepted_at)
                self.numbers.append(number)
                stream = f"{WorkOrder._meta.label_lower}:{pk}"
                seq, digest, version = self._events(events, stream, number, plan, staff)
                out.add(self._order_row(pk, number, plan, staff, version))
                heads.add((stream, seq, digest))
        numbers.save()
        self._storm_declare()
        return out.written

    def _outage_codes(self):
        """Each outage's code: a planned one's own, a predicted one's as the analyser makes it."""
        device_ids = {d.key: d.device_id for d in self.network.devices}
        codes, taken = [], set()
        for track in self.analysis.tracks:
            if track.planned is not None:
                code = track.planned.code
            else:
                code = storms.outage_code(track, device_ids[track.device - self.device_base])
            base, n = code, 1
            while code in taken:  # the same device predicted again from the same first call
                n += 1
                code = f"{base}-{n}"
            taken.add(code)
            codes.append(code)
        return codes

    def _storm_declare(self):
        """The typhoon's severe-weather mode over its city (rule R-3), declared by the city's dispatcher
        before the landfall, so the clocks replayed next pause the crews' arrival deadlines."""
        if self.storms.declared is None:
            return
        city = next(c for c in self.province.cities if c.key == self.storms.city)
        dispatcher = self.staffing.staff[self.staffing.by_org_role[(city.departments["DK"], RoleCode.DISPATCHER)][0]]
        starts_at, ends_at = self.storms.declared
        reason = _("台风“%s”登陆，启动恶劣天气模式") % storms.TYPHOON_NAME
        storm = StormDeclaration.objects.create(org_id=self.org_pk(city.key), starts_at=starts_at, ends_at=ends_at,
                                                reason=reason, declared_by_id=self.staff_base + dispatcher.key)
        StormDeclaration.objects.filter(pk=storm.pk).update(declared_at=starts_at)
        with TableWriter(AuditEvent, EVENT_FIELDS) as events, \
                TableWriter(AuditHead, ["stream", "seq", "hash"]) as heads:
            stream = f"{StormDeclaration._meta.label_lower}:{storm.pk}"
            payload = {"org": self.org_codes[city.key], "starts_at": starts_at.isoformat(),
                       "ends_at": ends_at.isoformat(), "reason": reason, "clocks": 0}
            seq, digest = self._chain(events, stream, [("storm.declared", starts_at, dispatcher, payload)])
            heads.add((stream, seq, digest))

    def _order_row(self, pk, number, plan, staff, version):
        customer = self.callers.get(plan.customer)
        owner = staff[plan.owner]
        return (
            pk, number, plan.order_type, plan.channel, plan.received_at, plan.accepted_at,
            self.category_pk(plan.category),
            None if customer is None else self.customer_base + customer.index,
            plan.caller_name, plan.caller_phone, self.org_pk(plan.org), self.staff_base + owner.key,
            owner.agent_no, plan.state, plan.title, plan.description, version,
            plan.accepted_at, plan.updated_at, plan.closed_at,
            self.org_pk(plan.handling_org), None if plan.crew is None else self.crew_base + plan.crew,
            plan.fault_side, customer.zone if customer else "", customer.supply_voltage if customer else "",
            plan.application_kind, plan.anonymous, plan.cause, plan.satisfaction,
            sum(step.action == "forward" for step in plan.steps),
            None if plan.outage is None else self.outage_base + plan.outage,
        )

    def category_pk(self, code):
        if not hasattr(self, "_categories"):
            self._categories = dict(Category.objects.values_list("code", "pk"))
        return self._categories.get(code)

    def _events(self, out, stream, number, plan, staff):
        """The order's keyed hash chain, exactly as order_create and the workflow services write it (K-8):
        each step's event carries the version it made, as orders.services._advance records it."""
        customer = self.callers.get(plan.customer)
        owner = staff[plan.owner]
        created = {
            "number": number, "type": plan.order_type, "channel": plan.channel,
            "received_at": plan.received_at.isoformat(), "org": self.org_codes[plan.org],
            "customer": customer.account_no if customer else None, "category": plan.category,
            "agent_no": owner.agent_no, "title": plan.title, "description": plan.description,
            "fault_side": plan.fault_side, "parent": None, "anonymous": plan.anonymous,
        }
        entries = [("order.created", plan.accepted_at, owner, created)]
        before, version = OrderState.ACCEPTED, 1
        for step, after in zip(plan.steps, plan.states, strict=True):
            actor = None if step.actor is None else staff[step.actor]
            if step.action == "outage_attached":
                entries.append(("order.outage_attached", step.at, actor, self._attached_payload(step, version)))
                if not step.payload.get("intake"):
                    version += 1
            else:
                version += 1
                entries.append((f"order.{step.action}", step.at, actor,
                                {"from": before, "to": after, "version": version, **self._step_payload(step)}))
            before = after
        seq, digest = self._chain(out, stream, entries)
        return seq, digest, version

    def _step_payload(self, step):
        if step.action == "dispatch" and isinstance(step.payload.get("crew"), int):
            return {"crew": self.crew_codes[step.payload["crew"]]}  # demo.storms names crews by key
        return step.payload

    def _attached_payload(self, step, version):
        """As intake (orders.intake: joined when taken, rule C-9) or the analyser (order_outage_attach)."""
        payload = step.payload
        crew = None if payload["crew"] is None else self.crew_base + payload["crew"]
        code = self.outage_codes[payload["outage"]]
        if payload.get("intake"):
            return {"outage": code, "crew": crew}
        crew_from = None if payload["crew_from"] is None else self.crew_base + payload["crew_from"]
        return {"outage": code, "crew_from": crew_from, "crew": crew, "version": version + 1}

    def _chain(self, out, stream, entries):
        """Write `entries` (action, at, StaffRow or None, payload) as `stream`'s keyed hash chain (K-8)."""
        key_id, key = self.signer
        prev = GENESIS_HASH
        for seq, (action, at, actor, payload) in enumerate(entries, 1):
            actor_id = None if actor is None else self.staff_base + actor.key
            label = "" if actor is None else actor.label[:80]
            payload = json.loads(json.dumps(payload, ensure_ascii=False))  # what the JSON column gives back
            digest = event_hash(key=key, key_id=key_id, prev_hash=prev, stream=stream, seq=seq, action=action,
                                actor_id=actor_id, actor_label=label, at=at, payload=payload)
            out.add((stream, seq, action, actor_id, label, at, payload, prev, key_id, digest))
            prev = digest
        return len(entries), prev

    def write_clocks(self, chunk=500):
        """Replay each order's SLA clocks (时限) through orders.clocks, as the services would have.

        Same functions, same rule set in force at acceptance: stopped clocks say whether
        the deadline was met (R-2, K-3, T-1…), running ones are what the sweeper watches.
        """
        before = SlaClock.objects.count()
        by_version = {}
        for first in range(0, len(self.plans), chunk):
            plans = self.plans[first:first + chunk]
            pks = [self.order_base + first + i for i in range(len(plans))]
            orders = WorkOrder.objects.select_related("org", "owner").in_bulk(pks)
            for pk, plan in zip(pks, plans, strict=True):
                version = _replay_clocks(orders[pk], plan.steps)
                by_version.setdefault(version.pk, []).append(pk)
        for version, pks in by_version.items():
            for first in range(0, len(pks), chunk):
                WorkOrder.objects.filter(pk__in=pks[first:first + chunk]).update(ruleset_version_id=version)
        return SlaClock.objects.count() - before

    # ------------------------------------------------------------ outages

    def write_quality(self):
        """A year of outages and of voltage monitoring (quality.demo: rules Q-1..Q-3, V-1..V-6)."""
        from griddesk.quality.demo import write_quality_history

        rows, chains = write_quality_history(seed=self.seed, now=self.now)
        # One statement per table, whatever the size (quality.demo.ONE_BATCH).
        with TableWriter(AuditEvent, EVENT_FIELDS, batch_size=len(chains) + 1) as events, \
                TableWriter(AuditHead, ["stream", "seq", "hash"], batch_size=len(chains) + 1) as heads:
            for stream, entries in chains:
                seq, digest = self._chain(events, stream, entries)
                heads.add((stream, seq, digest))
        return rows

    def write_outages(self):
        """The outages: planned ones around now, and every outage the analysis predicted (demo.storms),
        each with its history as the analyser and the dispatchers wrote it (K-8)."""
        devices = {d.key: d for d in self.network.devices}
        staff = {s.key: s for s in self.staffing.staff}
        self.messages = self._restoration_messages(devices)
        rows, chains = [], []
        for track in self.analysis.tracks:
            pk, code = self.outage_base + track.index, self.outage_codes[track.index]
            device = devices[track.device - self.device_base]
            if track.planned is not None:
                r = track.planned
                rows.append(OutageEvent(
                    pk=pk, code=code, kind=r.kind, device_id=track.device, org_id=self.org_pk(device.org),
                    cause=r.cause, area=device.name, starts_at=r.starts_at,
                    expected_restoration_at=r.expected_restoration_at, restored_at=r.restored_at,
                    announced_at=r.announced_at, state=r.state, source=OutageSource.PLAN,
                    crew_id=None if track.crew is None else self.crew_base + track.crew,
                    calls=self.analysis_calls.get(track.index, 0)))
                continue
            first = track.first_call.time if track.first_call is not None else track.born
            rows.append(OutageEvent(
                pk=pk, code=code, kind=track.kind, device_id=track.device, org_id=self.org_pk(device.org),
                cause=storms.outage_cause(track, device), area=device.name, starts_at=first,
                expected_restoration_at=track.restore or track.expected, restored_at=track.restored,
                announced_at=track.announced, state=track.state, source=track.source,
                calls=self.analysis_calls.get(track.index, 0), customers_affected=self.net.customers[track.node],
                first_call_at=first, crew_id=None if track.crew is None else self.crew_base + track.crew,
                human=(track.confirmed is not None or track.restored is not None
                       or track.source != OutageSource.ANALYSIS),
                merged_into_id=None if track.merged_into is None else self.outage_base + track.merged_into.index,
            ))
            chains.append((f"{OutageEvent._meta.label_lower}:{pk}", self._outage_history(track, device, staff)))
        OutageEvent.objects.bulk_create(rows, batch_size=self.batch_size)
        with TableWriter(AuditEvent, EVENT_FIELDS, batch_size=self.batch_size) as events, \
                TableWriter(AuditHead, ["stream", "seq", "hash"], batch_size=self.batch_size) as heads:
            for stream, entries in chains:
                seq, digest = self._chain(events, stream, entries)
                heads.add((stream, seq, digest))
        return len(rows)

    @property
    def analysis_calls(self):
        """Outage track -> the orders that ended on it."""
        if not hasattr(self, "_analysis_calls"):
            counts = {}
            for plan in self.plans:
                if plan.outage is not None:
                    counts[plan.outage] = counts.get(plan.outage, 0) + 1
            self._analysis_calls = counts
        return self._analysis_calls

    def _dispatcher(self, device):
        """The dispatcher of the city a device is in (the province's if none)."""
        station = next((s for s in self.province.stations if s.key == device.org), None)
        county = next((c for c in self.province.counties if c.key == device.org), None)
        city_key = station.city if station else county.city if county else None
        city = next((c for c in self.province.cities if c.key == city_key), None)
        if city is not None:
            return self.staffing.by_org_role[(city.departments["DK"], RoleCode.DISPATCHER)][0]
        return self.staffing.by_role[RoleCode.DISPATCHER][0]

    def _outage_history(self, track, device, staff):
        """outage.predicted (the analyser), then confirmed / restored by the dispatcher, or merged / split."""
        dispatcher = staff[self._dispatcher(device)]
        code = self.outage_codes
        entries = [("outage.predicted", track.born, None if track.source == OutageSource.ANALYSIS else dispatcher,
                    {"device": device.device_id, "calls": max(1, track.calls_at_birth),
                     "customers_affected": self.net.customers[track.node]})]
        if track.confirmed is not None:
            entries.append(("outage.confirmed", track.confirmed, dispatcher,
                            {"crew": None if track.crew is None else self.crew_codes[track.crew]}))
        if track.announced is not None:
            entries.append(("outage.announced", track.announced, dispatcher,
                            {"expected_restoration_at": track.expected.isoformat() if track.expected else None}))
        if track.ended is not None:
            into = track.merged_into
            entries.append(("outage.merged" if into else "outage.split", track.ended, None,
                            {"into": code[into.index] if into else None}))
        elif track.restored is not None:
            entries.append(("outage.restored", track.restored, dispatcher,
                            {"restored_at": track.restored.isoformat(),
                             "calls": self.analysis_calls.get(track.index, 0),
                             "messages": self.messages.get(track.index, 0)}))
        return entries

    def _restoration_messages(self, devices):
        """An SMS to the caller of every order of a restored outage (docs/outages.md: called back when
        power is back); returns outage track -> messages."""
        tracks = self.analysis.tracks
        sent, rows = {}, []
        for i, plan in enumerate(self.plans):
            if plan.outage is None or not plan.caller_phone:
                continue
            track = tracks[plan.outage]
            if track.restored is None or not any(s.action == "restore" for s in plan.steps):
                continue
            code = self.outage_codes[track.index]
            rows.append(Message(
                channel=NotifyChannel.SMS, subject=_("恢复供电通知"), address=plan.caller_phone,
                body=storms.restoration_text(track, devices[track.device - self.device_base], track.restored),
                order_id=self.order_base + i, dedupe_key=f"restored:{code}:{self.numbers[i]}"[:120],
                created_at=track.restored, sent_at=track.restored + timedelta(seconds=5),
            ))
            sent[track.index] = sent.get(track.index, 0) + 1
        Message.objects.bulk_create(rows, batch_size=self.batch_size)
        return sent

    def write_trouble_calls(self):
        """A TroubleCall per analysed repair order, as the live analyser writes them, and its mark at the
        last demo order, so `griddesk outages analyse` goes on from there (not over the demo again)."""
        net, analysis = self.net, self.analysis
        tracks = analysis.tracks
        with TableWriter(TroubleCall, ["call_id", "order_id", "at", "customer_id", "transformer_id", "feeder_id",
                                       "description", "signal", "decision", "outage_id"],
                         batch_size=self.batch_size) as out:
            for i in analysis.analysed:
                plan = self.plans[i]
                customer = self.callers[plan.customer]
                transformer = self.device_base + self.network.transformers[
                    self.layout.transformer_position(plan.customer)].key
                signal, decision = analysis.decisions[i]
                if plan.outage is not None:
                    decision = CallDecision.ATTACHED if tracks[plan.outage].planned is not None else \
                        CallDecision.PREDICTED
                out.add((self.numbers[i], self.order_base + i, plan.accepted_at, self.customer_base + customer.index,
                         transformer, net.key[net.feeder[net.index[transformer]]],
                         f"{plan.title} {plan.description}".strip()[:400], signal, decision,
                         None if plan.outage is None else self.outage_base + plan.outage))
        if self.plans:
            AnalyzerMark.objects.update_or_create(name="live",
                                                  defaults={"last_order_id": self.order_base + len(self.plans) - 1})
        return out.written

    # ------------------------------------------------------------ summary

    def write_service_records(self):
        """A year of call-detail records and hall counter tickets (rules C-4, H-5): demo/analytics.py."""
        from griddesk.analytics.models import CallRecord, CounterTicket, Hall
        from griddesk.demo import analytics

        start = history_start(self.now, analytics.YEAR_DAYS)
        orgs = {row.key: row for row in self.province.orgs}
        halls = Hall.objects.bulk_create([
            Hall(code=f"{orgs[c.key].code}-YYT", name=f"{c.name}营业厅", org_id=self.org_pk(c.key))
            for c in self.province.counties])
        agents = [(s.key, s.agent_no) for s in self.staffing.staff if s.agent_no.startswith("A")]
        agent_orgs = {s.key: s.org for s in self.staffing.staff}
        root = self.org_pk(self.province.root)
        count = len(halls)
        zone = timezone.get_current_timezone()
        with TableWriter(CallRecord, ["call_id", "phone", "agent_no", "agent_id", "org_id", "offered_at",
                                      "answered_at", "ended_at", "wait_seconds", "offered_hour"],
                         batch_size=self.batch_size) as out:
            for c in analytics.plan_calls(self.seed, agents=agents, start=start, days=analytics.YEAR_DAYS,
                                          customers=self.customers):
                if c.offered_at > self.now:
                    continue
                agent = None if c.agent_key is None else self.staff_base + c.agent_key
                org = root if c.agent_key is None else self.org_pk(agent_orgs[c.agent_key])
                out.add((c.call_id, c.phone, c.agent_no, agent, org, c.offered_at, c.answered_at, c.ended_at,
                         c.wait_seconds, c.offered_at.astimezone(zone).hour))
                count += 1
        hall_pks = [h.pk for h in halls] if all(h.pk for h in halls) else list(
            Hall.objects.order_by("pk").values_list("pk", flat=True))
        with TableWriter(CounterTicket, ["ticket_id", "hall_id", "business", "business_code", "called_at",
                                         "finished_at", "handling_seconds"], batch_size=self.batch_size) as out:
            for ticket_id, hall, code, called, finished, seconds in analytics.plan_tickets(
                    self.seed, halls=len(halls), start=start, days=analytics.YEAR_DAYS):
                if finished > self.now:
                    continue
                out.add((ticket_id, hall_pks[hall], "payment" if code == "payment" else "other", code, called,
                         finished, seconds))
                count += 1
        return count

    def summary(self, *, seconds):
        counts = {
            "orgs": Org.objects.count(), "staff": Staff.objects.count(), "crews": Crew.objects.count(),
            "devices": Device.objects.count(),
            "transformers": Device.objects.filter(kind=DeviceKind.TRANSFORMER).count(),
            "customers": Customer.objects.count(), "contacts": Contact.objects.count(),
            "orders": WorkOrder.objects.count(),
            "open_orders": WorkOrder.objects.exclude(state=OrderState.ARCHIVED).count(),
            "audit_events": AuditEvent.objects.count(), "audit_heads": AuditHead.objects.count(),
            "order_counters": OrderNumberCounter.objects.count(), "clocks": SlaClock.objects.count(),
            "clocks_running": SlaClock.objects.filter(stopped_at__isnull=True).count(),
            "outages": OutageEvent.objects.count(),
            "outages_active": OutageEvent.objects.filter(state=OutageState.ACTIVE).count(),
            "outages_open": OutageEvent.objects.filter(state__in=[
                OutageState.PREDICTED, OutageState.CONFIRMED, OutageState.ACTIVE]).count(),
            "trouble_calls": TroubleCall.objects.count(),
            "orders_on_outages": WorkOrder.objects.filter(outage__isnull=False).count(),
            "messages": Message.objects.count(),
        }
        return {
            "seed": self.seed, "customers": self.customers, "days": self.days, "counts": counts,
            "stages": self.progress.stages, "seconds": round(seconds, 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "db_bytes": database_size(), "logins": demo_logins(self.staffing), "password": DEMO_PASSWORD,
            "faults": len(self.calls.faults), "storm_calls": len(self.storms.calls),
        }


def _replay_clocks(order, steps):
    """The clocks order_create and each workflow step would have started and stopped; the version kept."""
    plan = clocks.accept_plan(order=order, at=order.accepted_at)
    clocks.accept_plan_apply(plan=plan, order=order)
    order.ruleset_version = plan.version
    started = bool(plan.clocks)
    for step in steps:
        if step.action == "outage_attached":  # joining an outage starts and stops no clock
            continue
        if step.action == "archive" and not started:  # nothing ever ran: no clock to stop (one query less)
            continue
        started = bool(clocks.clocks_on_transition(order=order, action=step.action, at=step.at)) or started
    return plan.version


ORDER_FIELDS = [
    "id", "number", "order_type", "channel", "received_at", "accepted_at", "category_id", "customer_id",
    "caller_name", "caller_phone", "org_id", "owner_id", "agent_no", "state", "title", "description",
    "version", "created_at", "updated_at", "closed_at",
    "handling_org_id", "crew_id", "fault_side", "zone", "supply_voltage", "application_kind", "anonymous",
    "cause", "satisfaction", "transfer_count", "outage_id",
]
EVENT_FIELDS = ["stream", "seq", "action", "actor_id", "actor_label", "at", "payload", "prev_hash", "key_id",
                "hash"]


def categories_by_type():
    """order type -> [(code, scheme)]: the active leaf categories that apply to it, by code."""
    from griddesk.orders.models import OrderType

    leaves = list(Category.objects.filter(active=True, children__isnull=True).order_by("code"))
    return {t: [(c.code, c.scheme) for c in leaves if c.applies_to(t)] for t in OrderType.values}


class _Numbers:
    """Order numbers as orders.services.order_number_next makes them, gapless per day (K-8)."""

    def __init__(self, province_code):
        self.code = province_code
        self.last = {}
        self.existing = None

    def next(self, accepted_at):
        day = timezone.localdate(accepted_at)
        if day not in self.last:
            if self.existing is None:
                self.existing = dict(OrderNumberCounter.objects.values_list("day", "last"))
            self.last[day] = self.existing.get(day, 0)
        self.last[day] += 1
        return f"{self.code}{day:%Y%m%d}{self.last[day]:06d}"

    def save(self):
        """Leave each day's counter at its last number, so new orders continue the sequence."""
        existing = self.existing or {}
        for day, last in self.last.items():
            if day in existing:
                OrderNumberCounter.objects.filter(day=day).update(last=last)
        OrderNumberCounter.objects.bulk_create([
            OrderNumberCounter(day=day, last=last)
            for day, last in sorted(self.last.items()) if day not in existing
        ])


LOGIN_ORDER = [
    RoleCode.ADMINISTRATOR, RoleCode.AGENT, RoleCode.SHIFT_LEADER, RoleCode.DISPATCHER, RoleCode.REPAIR_CREW,
    RoleCode.BACK_OFFICE, RoleCode.RETURN_VISIT, RoleCode.SUPERVISOR, RoleCode.MANAGER, RoleCode.AUDITOR,
]


def demo_logins(staffing):
    """[{"role", "label", "first", "last", "count"}] for every role: the predictable demo usernames."""
    logins = []
    for role in LOGIN_ORDER:
        keys = staffing.by_role.get(role, [])
        users = [staffing.staff[k].username for k in keys]
        logins.append({"role": str(role), "label": str(RoleCode(role).label), "first": users[0],
                       "last": users[-1], "count": len(users)})
    return logins
