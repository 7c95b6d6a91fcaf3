"""The rule catalogue (规则目录): every rule of the service code that GridDesk cites, written by hand.

Each entry gives the rule's id and section, what the rule asks (one sentence, with the Chinese
term where it helps) and what GridDesk does about it, gaps included. A rule that no test holds
says why in `untested`: GridDesk does not enforce it (an agent's wording, hall practice) or does
not implement it yet. The columns "implemented in" and "tests" of docs/rulebook.md are not
written here: `griddesk rules catalogue` finds them in the tree (griddesk.rules.citations) and
`griddesk rules catalogue --check`, run by tests/rules/test_catalogue.py, fails when this
catalogue and the tree disagree.

The source is the 供电服务规范 (power-supply service code) of a State Grid provincial company
and two articles on 95598 complaint handling; section titles give the code's articles.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    section: str
    rule: str  # what the service code asks
    system: str  # what GridDesk does about it
    untested: str = ""  # why no test holds it (only for rules that no test names)


# (key, title) in the order of docs/rulebook.md.
SECTIONS = (
    ("channels", "Channels and service scope (第十条, 第十三条, 第二十八条)"),
    ("hotline", "Hotline conduct (第十四条 and part I of the source)"),
    ("website", "Website (第十五条)"),
    ("voltage", "Voltage quality (第八条)"),
    ("reliability", "Supply reliability (第九条, 第二十二条)"),
    ("hall", "Business hall (第十一条, 第十二条)"),
    ("field", "On-site work and time limits (第十六条 to 第二十二条)"),
    ("paid", "Paid services (第二十三条 to 第二十六条)"),
    ("complaints", "Complaints and reports (第二十七条 to 第三十五条, parts III and IV of the source)"),
)


RULES = (
    # --- channels and service scope ---------------------------------------------------------
    Rule("C-1", "channels",
         "The 95598 hotline offers outage information, fault repair (故障报修), complaints about "
         "service quality, queries on electricity use, consultation and business acceptance (业务受理).",
         "Nine work-order types, each with its workflow: repair, complaint (投诉), report (举报), "
         "consultation, query, business application, opinion, suggestion and praise; any of them can be "
         "created from the console or the API. Agents see the outages on a caller's supply path (C-9)."),
    Rule("C-2", "channels",
         "The 95598 website offers outage notices, electricity-use queries, the progress of a business "
         "application, policies and regulations, and complaints.",
         "The public home page has a section and a navigation entry for each of the five services. Outage "
         "notices are built (/outages/ by county and street or village, an Atom feed per county). The "
         "progress of any order (/progress/) and an account's bills (/bills/) open with a one-time code "
         "sent by SMS to the phone on the order or the account (portal.codes: hashed, 10 minutes, 5 wrong "
         "entries, rate-limited per address and number); the answer is the same text, status and time for "
         "numbers that do not exist. Progress shows each step's time and each deadline's status (due, met, "
         "overdue, paused), never a staff member or a reporter. Policies and regulations: "
         "/policies/ searches the knowledge base's versioned articles (政策法规, 常见问题; 36 seeded) in Chinese "
         "(jieba segmentation; FTS5 bm25 on SQLite, tsvector ts_rank_cd on PostgreSQL; a table of 20 real "
         "questions finds the right article first on both, docs/kb.md); agents get the same search beside the "
         "caller page. Complaints and every other "
         "request are taken on /submit/ (repair, complaint, report, consultation, opinion, suggestion, "
         "praise) and business applications on /apply/, through the hotline's order services with the "
         "channel website."),
    Rule("C-3", "channels",
         "The service runs 24 hours a day without a break.",
         "Deadlines in minutes and hours run round the clock, through nights, weekends and holidays; only "
         "the rules that say working days count on a working-day calendar. Orders are taken at any hour."),
    Rule("K-2", "channels",
         "Complaints and reports come in by the hotline or a dedicated line, the hall's suggestion box or "
         "book (意见箱/簿), letters, the website, leaders' reception days (领导接待日) and other channels.",
         "Every order records its channel. Staff keying in a letter, a box note or a reception-day matter "
         "give the time the customer handed it in (客户提交时间), and the order's clocks run from then. What "
         "the public site takes (/submit/, /apply/) is an order of channel website, handed in when submitted."),
    Rule("H-1", "channels",
         "Business halls take new connections and capacity increases, changes of use, consultation and "
         "queries, bill payment, repairs and complaints.",
         "Hall matters are ordinary orders of the C-1 types with the channel 营业厅; there is no counter "
         "screen of their own.",
         untested="Nothing hall-specific to test: the order types and the hall channel are covered by the "
                  "C-1 and K-2 tests."),
    # --- hotline conduct --------------------------------------------------------------------
    Rule("C-4", "hotline",
         "Answer within four rings, apologise when the caller waited longer, greet, then give the unit's "
         "name and the agent's number (工号).",
         "The agent's number is kept on every order and every call outcome the agent records, and shown "
         "on the order page. The standard greeting and the apology for a long wait are canned replies "
         "(标准话术) that fill in the agent's unit and number. `griddesk import cti` loads the switch's "
         "call-detail records (all-or-nothing, idempotent by call id); the hotline dashboard and the monthly "
         "report give the share answered within four rings (GRIDDESK_RING_SECONDS, 5 s a ring), abandon rate "
         "and average speed of answer per hour and per agent, joined to the orders each agent number took "
         "(docs/analytics.md)."),
    Rule("C-5", "hotline",
         "Read the important points back to the caller for confirmation (复述确认), and let the customer "
         "hang up first.",
         "A new order is saved only from its read-back page, and the save carries a signed digest of "
         "exactly what was read back, so changed data must be read back again. The page reminds the agent "
         "to let the customer hang up first."),
    Rule("C-6", "hotline",
         "When a question cannot be answered on the call, apologise, take a phone number and call back "
         "with the answer as soon as it is found.",
         "A consultation or query is answered at once or marked callback owed (待回电), which starts the "
         "clock C-6/callback (24 hours: the code gives no number, GridDesk chose one) until the answer is "
         "recorded."),
    Rule("C-7", "hotline",
         "When checking a name or address, explain a character with several readings (多音字) with "
         "neutral or positive words.",
         "Left to the agents' script and training; the software does not check it.",
         untested="An agent's wording on the phone: nothing the software can enforce or test."),
    Rule("C-8", "hotline",
         "Ask for the details of a fault. A fault on the utility's side, or one that cannot be placed, is "
         "recorded in full and passed to the repair crew at once; a fault inside the customer's "
         "installation gets help by phone, or a repair for a fee announced beforehand.",
         "A repair records the fault side (utility, customer-internal, unknown). Utility and unknown "
         "faults are dispatched at once to the crew covering the customer's transformer (or left to the "
         "dispatcher when no crew covers it). A customer-internal fault is closed with guidance by phone, "
         "or becomes a paid service: quote, the customer's recorded consent, then dispatch (P-1, P-3)."),
    Rule("C-9", "hotline",
         "When an outage comes from an equipment failure or maintenance, tell the caller why and apologise.",
         "The caller page and the API's customer card show the supply path from substation to transformer "
         "and every active outage on it, with its cause and expected restoration, and prompt the agent to "
         "apologise (致歉); planned and temporary outages announced for the next 7 days are listed too. Before "
         "an agent answers, the IVR plays a caller inside a known outage its cause, expected restoration and "
         "the apology, and may register the call under the outage."),
    Rule("C-10", "hotline",
         "Explain politely to a caller who dialled the wrong number; warn a malicious caller, hang up "
         "first and report the call to the shift leader (值长).",
         "A call without an order ends with an outcome, wrong number or harassment (the caller's number "
         "required), kept with the agent and the agent's number. Harassment waits in the shift leaders' "
         "queue until one of them handles it."),
    Rule("C-11", "hotline",
         "Listen to an angry caller, take notes and show understanding; hand a call that gets hard over to "
         "the shift leader or a supervisor.",
         "Any open order can be transferred to the shift leader (转值长): the action is audited and the "
         "nearest shift leaders up the agent's tree get a reminder, each told in the console inbox. The "
         "caller card marks sensitive customers and suggests the transfer."),
    Rule("C-12", "hotline",
         "Follow every complaint through its whole handling and answer it within five days, with a return "
         "visit (回访); visit repaired customers where needed.",
         "A complaint (and a report, which shares its workflow) cannot be archived before a reply and a "
         "return visit recording satisfaction (满意度); the visit clock C-12/complaint-visit starts at the "
         "reply. Repairs are drawn for a visit at a configured share (GRIDDESK_REPAIR_VISIT_SHARE, 10% by "
         "default) or on request, and then need it before archiving. Restoring an outage (outage_restore, "
         "also partly: outage_restore_part) resolves every call still open on it, stopping its arrival and "
         "restoration clocks, and sends every caller a restoration SMS recorded on their order. When an order "
         "comes to its visit (a complaint replied to, a repair drawn or asked for one) the customer gets an "
         "SMS with a signed one-tap satisfaction link (7 days); the answer, with reasons, is the order's "
         "return visit, once. The service dashboard and the monthly report give reply and return-visit "
         "coverage against the 100% target and satisfaction."),
    Rule("V-0", "hotline",
         "Part I of the source: speak clear standard language, show empathy and keep one's temper.",
         "Not built: there is no quality inspection (质检) scoring calls for greeting, agent number, "
         "read-back and apology.",
         untested="Not implemented: GridDesk has no call quality-inspection module."),
    # --- website ----------------------------------------------------------------------------
    Rule("W-1", "website",
         "The website is easy to find one's way in, says 供电客户服务 clearly on its home page and has "
         "navigation.",
         "The public home page is in Chinese (English on request), headed 供电客户服务, with navigation "
         "to the C-2 services and to the staff login, and the outages in force at a glance."),
    Rule("W-2", "website",
         "Keep the website's content current.",
         "The public outage notices (/outages/, an Atom feed per county) list confirmed, published and "
         "active outages only: a restored or cancelled outage is gone at the next request (the cached "
         "page is keyed by the county's generation of outages), a plan appears once published."),
    Rule("W-3", "website",
         "Online business has forms that are easy to fill in, with instructions for each business.",
         "/apply/ lists each business of the catalogue (new residential and non-residential low-voltage "
         "connections, capacity increase, change of use) with its documents, steps, fees, deadlines and "
         "filling instructions beside its form; a valid application is an application order in the six-stage "
         "workflow with its T-1..T-3 clocks, its documents checked by content and attached."),
    Rule("W-4", "website",
         "Run a consultation desk and a message board (留言簿) online, and have administrators reply "
         "promptly.",
         "The public message board (/board/, 留言板): a visitor leaves a message (name optional, phone "
         "required and never shown; CSRF, a server-verified sum as challenge, a limit per address per hour); "
         "each message gets the rule set's W-4/reply deadline (2 working days in the service-code set; the "
         "code gives no number) and waits in the console's queue (/console/posts/, back office and shift "
         "leaders), overdue first, with its due time; a moderator replies and publishes, replies privately "
         "or rejects, audited with whether the reply was late. Only published messages with a reply are "
         "shown, phone numbers, ID and account numbers and names masked in both texts (docs/portal.md)."),
    # --- voltage quality --------------------------------------------------------------------
    Rule("V-1", "voltage",
         "At 35 kV and above, the absolute positive and negative voltage deviations together stay within "
         "10% of nominal.",
         "quality.limits.deviation_limits gives 35 kV and 110 kV points +5% / −5% of nominal (the 10% split "
         "evenly); a reading exactly on a limit is within it. `griddesk import readings` counts each point's "
         "minutes over and under per local day with it; the point's console page shows the limits."),
    Rule("V-2", "voltage",
         "Three-phase supply at 10 kV and below stays within ±7% of nominal.",
         "quality.limits.deviation_limits: 10 kV and 380 V points ±7% of nominal, used by `griddesk import "
         "readings` and shown on the point's page."),
    Rule("V-3", "voltage",
         "Single-phase 220 V supply stays between +7% and −10% of nominal.",
         "quality.limits.deviation_limits: 220 V points +7% / −10% (235.4 V to 198 V)."),
    Rule("V-4", "voltage",
         "When the system runs abnormally the deviation may reach ±10% at most.",
         "quality.limits.deviation_limits(abnormal=True) gives ±10% for every supply voltage and the point's "
         "page shows it; the readings file has no column flagging abnormal operation, so imported readings are "
         "always held to the normal limits."),
    Rule("V-5", "voltage",
         "A customer whose power factor falls short of the required value is not covered by these limits.",
         "A monitoring point can be marked exempt (不考核, in the admin): deviation_limits gives it no limits, "
         "its readings are never out of limits and its days stay out of every qualification rate."),
    Rule("V-6", "voltage",
         "The voltage qualification rate (电压合格率) at customer terminals is at least 95% for urban "
         "residents and 90% for rural ones.",
         "`griddesk import voltage` loads each point's daily minutes monitored, over and under (all-or-nothing, "
         "idempotent by point and date); the qualification rate 100 × (1 − Σ(over + under) / Σ monitored) is "
         "time-weighted per point, class, zone, org and period, with the comprehensive rate 0.5 × A + 0.5 × "
         "mean(B, C, D). `griddesk report voltage` and the console's voltage page show the zone rates against "
         "the targets."),
    # --- supply reliability -----------------------------------------------------------------
    Rule("Q-1", "reliability",
         "Supply reliability (供电可靠率) is at least 99.89% in cities and 99% in rural areas.",
         "SAIFI, SAIDI, CAIDI and ASAI (RS-1) from the outage records, with Ni the customers below the outage's "
         "device, outages clipped to the period and momentary ones (under 5 minutes by default) counted apart; "
         "by zone against the targets, by outage kind and by org, optionally without IEEE 1366 major event days "
         "(2.5 beta). `griddesk report reliability` and the console's reliability page (docs/quality.md)."),
    Rule("Q-2", "reliability",
         "A customer has at most one planned-maintenance outage a year at 35 kV and above, three at 10 kV.",
         "Planning a planned outage (outage_plan) counts, for each customer below its device supplied at "
         "10 kV or above, the planned outages of the calendar year on any device of the customer's supply path "
         "(cancelled ones not counted); one that would be the second at 35 kV and above or the fourth at 10 kV "
         "is not refused but carries a warning naming those customers (limit_warning). The reliability report "
         "lists the customers over their limit in the calendar year."),
    Rule("Q-3", "reliability",
         "Announce a planned outage (area, lines, start and restoration) at least seven days ahead and "
         "tell important customers; give at least 24 hours' notice of temporary maintenance.",
         "The service-code rule set holds the notice periods Q-3/planned (7 days) and Q-3/temporary "
         "(24 hours), and the deadline arithmetic counts them back from the outage's start: a planned or "
         "temporary outage gets its latest publication time (notice_due_at) when planned. Publishing it later "
         "is refused without a recorded reason (late_reason); on publication every important customer below "
         "the device gets an SMS through the outbox, listed in the outage's history. The reliability report "
         "gives the share published in time and lists the late ones with their reasons."),
    Rule("Q-4", "reliability",
         "In an emergency outage or under load limiting, explain to callers and restore supply as soon as "
         "possible.",
         "A fault outage is on the caller page as soon as it is recorded, with its cause, expected "
         "restoration and an apology prompt (C-9)."),
    Rule("Q-5", "reliability",
         "Disconnect only by the procedure of the 供电营业规则, and reconnect promptly once the cause is "
         "gone, or tell the customer why not.",
         "Not built: no disconnection or reconnection orders.",
         untested="Not implemented: no disconnection orders."),
    # --- business hall ----------------------------------------------------------------------
    Rule("H-2", "hall",
         "Halls have a duty manager (值班主任), and leaders hold reception days.",
         "A reception-day matter is entered with the channel 领导接待日 (K-2); there is no duty roster.",
         untested="Only the reception-day channel exists, tested with the channels under C-1 and K-2; no "
                  "duty roster."),
    Rule("H-3", "hall",
         "Halls at county level and above have no weekly rest day.",
         "The hall calendar (营业厅日历) counts every day as a working day, weekends and public holidays "
         "included; an administrator can still close the halls on a given day."),
    Rule("H-4", "hall",
         "First-responsibility (首问负责): whoever is asked first sees the matter through: listens, guides, "
         "and gives the right contact, phone number and address.",
         "The person who accepts an order becomes its owner of record (首问责任人) and stays so through "
         "forwarding and bounce-backs until the customer has the answer; clock warnings go to the owner, "
         "and every reminder or supervision item sent to the desk holding the work is copied to the owner."),
    Rule("H-5", "hall",
         "A counter transaction takes at most five minutes for a resident's payment and twenty for other "
         "electricity business.",
         "The service-code rule set holds H-5/payment (5 minutes) and H-5/business (20 minutes); "
         "`griddesk import counter` loads the halls' counter transactions (business halls 营业厅 in the "
         "admin) and the hotline-and-halls dashboard gives the share within the limit per hall and class."),
    Rule("H-6", "hall",
         "Tell the customer the documents, steps and fees of each business, and the number to complain to.",
         "Documents can be attached to an application, and a stage waiting for missing documents pauses "
         "its clocks (等待客户). The business catalogue (办电业务目录, app business: documents, steps, fees, "
         "deadlines with their rule ids, instructions, and 95598 as the complaint number) is edited in the "
         "admin, every change audited, seeded with four businesses, and shown on the public site (/apply/)."),
    Rule("H-7", "hall",
         "Help customers fill in forms, check what they wrote and point out mistakes.",
         "Every console and API form checks its input and names the field and the mistake in Chinese. The "
         "public site's forms (/submit/, /apply/) say each mistake next to its field (aria-describedby, "
         "aria-invalid), keep what was typed, and check an existing customer's account number against the "
         "phone on file with one message whether the account exists or not."),
    Rule("H-8", "hall",
         "If the system fails, ask the customer to wait and apologise when it is short; when it is long, "
         "take a phone number and book another time.",
         "Not built: no appointment record.",
         untested="Not implemented: no appointments."),
    Rule("H-9", "hall",
         "Finish the work in hand before closing.",
         "Hall practice; nothing for GridDesk to do.",
         untested="Hall practice, not a behaviour of the software."),
    # --- on-site work and time limits -------------------------------------------------------
    Rule("F-1", "field",
         "Field services are meter reading, fault repair, disconnection and reconnection, inspection, "
         "connection works (installation, acceptance, energising) and meter installation and testing.",
         "Repairs are field orders that crews walk through on their phones; inspection and energising are "
         "stages of a business application. Meter reading, disconnection and meter work have no orders.",
         untested="Only partly built; the repair and application parts are tested under R-2, M-2 and T-1."),
    Rule("F-2", "field",
         "The utility names no designer, contractor or equipment supplier for a customer's works.",
         "GridDesk has no field for one, so none can be named; the public site does not say so yet.",
         untested="Holds by absence: nothing to test."),
    Rule("F-3", "field",
         "Agree a time with the customer before a visit wherever possible.",
         "Not built: field orders have no appointment slot.",
         untested="Not implemented: no appointment slots."),
    Rule("F-6", "field",
         "Damage to existing installations caused by the work is repaired or compensated.",
         "Not built: no damage note on completion.",
         untested="Not implemented: no damage note."),
    Rule("T-1", "field",
         "After accepting an application, reply with the supply plan (供电方案) within 10 days at low "
         "voltage, one month for a single high-voltage source and two months for two sources, and explain "
         "any delay.",
         "Applications move through stages whose clocks follow the supply class (T-1/lv, T-1/hv-single, "
         "T-1/hv-dual; two sources are read from the application). A stage done late needs a delay reason, "
         "which goes to the customer through the outbox; waiting on the customer pauses the clocks."),
    Rule("T-2", "field",
         "Reply on the customer's design documents (设计文件) within one month at high voltage and ten days "
         "at low voltage, with a written opinion.",
         "The design-review clock (T-2/hv, T-2/lv) starts when the customer submits the design, and the "
         "review records its written opinion."),
    Rule("T-3", "field",
         "Residents get power within five working days of an accepted application; other customers within "
         "five working days after the installation passed inspection and the contract was signed.",
         "Working-day clocks T-3/resident (from acceptance) and T-3/other (from the contract) count on the "
         "national calendar with its holidays and make-up working days (调休); a year without holiday data "
         "counts Monday to Friday and says so. The ten-commitments-2023 rule set has whole-process limits "
         "(5, 6, 22 and 32 working days) instead."),
    Rule("B-1", "field",
         "Read meters on the scheduled day; when the customer prevents it, bill on the previous reading and "
         "settle next time; announce any change of reading day.",
         "Bills (billing app) carry an estimated-reading flag (估抄), imported with `griddesk import bills` "
         "(column estimated) and flagged with an explanation on the public bills page. GridDesk does not "
         "read meters or announce reading days."),
    Rule("B-2", "field",
         "Offer customers at least two ways to pay.",
         "The public bills page lists the active payment channels (缴费渠道: four seeded, edited in the "
         "admin); a paid bill names the channel it was paid by."),
    Rule("R-1", "field",
         "Fault repair is available 24 hours a day.",
         "Repairs are taken and dispatched at any hour to the crew covering the customer's transformer; the "
         "dispatch pages the crew (an SMS with the order number, the address and the R-2 time to its duty "
         "phone through the outbox, a console message to each member), and "
         "crews walk them through accept, arrive, survey, repair and restore. The ten-commitments-2023 rule "
         "set adds restoration limits from the crew's arrival (R-1/restore-urban 3 hours, rural and remote "
         "4 hours)."),
    Rule("R-2", "field",
         "After a fault report the crew is on site within 45 minutes in cities, 90 minutes in rural areas "
         "and 2 hours in remote areas; special remote areas are settled case by case.",
         "A dispatched repair gets the arrival clock R-2/urban, R-2/rural or R-2/remote from the customer's "
         "zone (a paid repair's from the consent); the arrival time the crew records stops it. Special "
         "remote areas have no key of their own."),
    Rule("R-3", "field",
         "When bad weather causes so many faults that the limit cannot be kept, explain this to customers.",
         "A dispatcher declares storm mode (恶劣天气模式) for a unit's area and a time span: the arrival "
         "clocks in it pause for the overlap (lifting early gives the time back), and the caller page shows "
         "agents the storm so they explain the delay. Where a unit's open predicted and confirmed outages "
         "reach GRIDDESK_STORM_PROMPT_OUTAGES (10), the shift leader is prompted to declare it there."),
    Rule("M-1", "field",
         "Seal a meter after installing, replacing or testing it, with the customer's signature; keep a "
         "removed meter for at least one month.",
         "Only the retention period exists: the service-code rule set holds M-1/meter-retention (1 month). "
         "There are no meter orders or removal records to start it.",
         untested="Not implemented beyond the seeded period, whose value tests/rules/test_rulesets.py "
                  "checks with every other key: no meter records."),
    Rule("M-2", "field",
         "A failed inspection gets a written rectification opinion (整改意见), and the installation is "
         "inspected again until it passes.",
         "The application's inspection can fail with its rectification opinion; the order then waits in "
         "检验不合格待整改 and goes back to inspection until it passes."),
    Rule("M-7", "field",
         "In a dispute over a meter's accuracy, an accredited body tests it: within tolerance the customer "
         "pays the test fee; outside it the utility pays and refunds or recovers the energy charge.",
         "Not built: no meter-dispute order.",
         untested="Not implemented: no meter disputes."),
    # --- paid services ----------------------------------------------------------------------
    Rule("P-1", "paid",
         "Work on installations the utility does not own is a paid service (有偿服务).",
         "Only a customer-internal fault (C-8) can be quoted, paid and invoiced; every paid step is refused "
         "on a utility-side repair."),
    Rule("P-2", "paid",
         "Fees follow the schedule of the provincial price authority.",
         "Not built: there is no fee schedule; unit prices are typed into the quote and nothing checks them.",
         untested="Not implemented: no fee schedule."),
    Rule("P-3", "paid",
         "List each item, fee, material and unit price for the customer to confirm and sign, and give a "
         "formal invoice after payment.",
         "A quote has lines (item, material, quantity, unit price); the customer's consent (who, how, when) "
         "is recorded before the crew is dispatched; payment (method, reference) is a step of its own, then "
         "the invoice number, once; archiving needs both."),
    Rule("P-4", "paid",
         "Leave the customer a phone number, and visit again afterwards.",
         "A paid repair cannot be archived before its return visit (C-12)."),
    # --- complaints and reports -------------------------------------------------------------
    Rule("K-1", "complaints",
         "Run a strict management system for complaints and reports.",
         "Complaints and reports have their own workflow (forward, contact, findings, reply, return visit, "
         "archive) with clocks, reminders and a tamper-evident history: K-3 to K-9.",
         untested="A heading over K-3 to K-9, which name their own tests."),
    Rule("K-3", "complaints",
         "Thank the customer, record the matter in detail and pass it at once to the department or leader "
         "in charge; answer a complaint within five days and a report within ten.",
         "Forwarding to a department is a recorded, counted action; the reply clocks K-3/complaint (5 days) "
         "and K-3/report (10 days) run in calendar days from when the customer handed the matter in. The "
         "ten-commitments-2023 rule set counts 5 working days and adds a first contact within 24 hours "
         "(K-3/complaint-contact)."),
    Rule("K-4", "complaints",
         "Handle matters on the basis of facts and the law.",
         "The handling department records its findings (调查结果) with the responsibility cause (A-2) and "
         "can attach evidence; each attachment is stored with its SHA-256 and audited, and whoever may "
         "read the order downloads it, each download audited."),
    Rule("K-5", "complaints",
         "Departments must not shirk, stall or pass matters around for show (推诿、拖延、敷衍).",
         "Transfers and bounce-backs (退单) are counted on the order and shown; no order is without an owner "
         "of record: one entered without a person goes to the nearest shift leader up the unit's tree, and "
         "is refused when there is none. Transfers and bounce-backs per handling department are reported on "
         "the service dashboard."),
    Rule("K-6", "complaints",
         "Call complainants and reporters back, track progress, supervise it (督办) and report on it.",
         "A reminder (催办) goes to whoever holds the work now: the repair crew while the repair is with it, "
         "else the assignee, else the department it was forwarded to, else the owner of record; a "
         "supervision item (督办, sent by supervisors, managers and shift leaders only) goes to the nearest "
         "supervisor up the tree from that desk who may read the order; the owner of record is copied. Each "
         "has its own deadline (K-6/remind, K-6/supervise of the rule set, else 24 and 48 hours), lands in "
         "the recipient's live inbox (a crew's also by SMS), and closes when the order moves on, its desk "
         "no longer holds the work, or it is archived. An overdue one is escalated once, one level up the "
         "tree at a time, as a new supervision item; a daily circulated report (通报) lists the overdue ones "
         "per unit to every supervisor and manager. A clock at 80% warns its owner; at breach the sweeper "
         "reminds the desk and supervises it the same way."),
    Rule("K-7", "complaints",
         "Keep the identity of complainants and reporters confidential, and honour requests for anonymity.",
         "Reports, and complaints that ask for anonymity, are sealed: the person's identity is encrypted at "
         "rest under rotating keys (griddesk seal), never linked to the customer file, shown on no screen, "
         "list, export or API response, and opened only by the roles allowed to, each opening audited. "
         "On the website's message board (W-4) the phone a visitor leaves is never shown, and a published "
         "message and its reply are shown with phone, ID and account numbers and names masked. The public "
         "site takes reports and complaints anonymously and seals them through the same services."),
    Rule("K-8", "complaints",
         "Hiding, concealing or destroying complaints is punished.",
         "Nothing is deleted: work orders refuse deletion, and every change appends to a hash-chained audit "
         "history that the database keeps append-only and `griddesk audit verify` checks; an action and "
         "its event commit together. Auditors read an order's or a person's history with its chain "
         "checked, export it (audited) and run the whole verify from the console."),
    Rule("K-9", "complaints",
         "No retaliation against complainants and reporters.",
         "The units complained about are recorded on the matter; on no channel do they see who complained, "
         "and a report is never forwarded to the unit it is about."),
    Rule("A-1", "complaints",
         "Complaints gather around service attitude, supply quality, safe use of electricity, business "
         "expansion (业扩报装) and charging and billing.",
         "Complaints and reports are classified in a category tree with these five branches (seeded, "
         "editable); intake offers only this scheme, the 2014 five classes are kept as a reporting mapping "
         "(shown marked in the queue filter, refused at intake). The complaint dashboard and the monthly "
         "report analyse complaints by branch (and 2014 class), unit, transformer area, street and time, "
         "with hot spots against each one's own baseline."),
    Rule("A-2", "complaints",
         "Their causes are staff attitude, staff knowledge and skill, customers not knowing the law and "
         "procedures, supply quality and outages, and the customer's own temperament.",
         "The findings on a complaint must give one of these five responsibility causes (责任原因), which "
         "stays on the closed complaint; the complaint dashboard reports complaints by cause."),
    Rule("A-3", "complaints",
         "Draw rectification measures (整改措施) from the analysis.",
         "Rectification items (整改措施) are created from a hot spot or a set of complaints by supervisors "
         "and managers, with owner, measures and a deadline in working days (the rules' deadline "
         "arithmetic); the owner reports them done, a supervisor or manager verifies them, and the "
         "verification records the effect: complaints in the item's area and class before and while it "
         "ran, over the same length of time. Every step is audited."),
    Rule("A-4", "complaints",
         "Get it right the first time and customers will not call again; solve it at once and they will "
         "not call repeatedly.",
         "Contacts from the same customer within 30 days are flagged on the caller page; a repeat call on "
         "an open matter is archived at once as a child of the open order (主单), raises its call count "
         "and reminds whoever holds it now (K-6; the owner of record is copied) instead of opening a second "
         "matter. The service dashboard reports the repeat rate and repair orders per outage."),
)

RULE_IDS = frozenset(rule.id for rule in RULES)
