"""Topology import (电网拓扑导入): `griddesk import topology FILE`.

Format (docs/formats.md): `device_id,kind,parent_id,name,zone`, one device a row.

- `kind` is one of substation, feeder, switch, fuse, transformer; `zone` one of
  urban, rural, remote (letter case ignored).
- `parent_id` is empty for substations and only for them; a parent may be a
  row later in the file or a device already in the database, and its kind
  must be allowed by `ALLOWED_PARENT_KINDS` (a transformer hangs below a
  feeder, switch or fuse, ...). Re-parenting must not form a cycle, counting
  the devices already in the database.
- Rows are matched to devices by `device_id`: a new id creates a device, a
  known one is updated (kind, name, zone, parent); devices not in the file are
  left alone. Importing the same file again changes nothing. A kind may only
  change if the device's other children and customers still fit.

Organisation (`Device.org`; the CSV has no org column): a new device gets its
parent's org (a new substation gets `root_org`, `--org` on the command line,
or none); an existing device keeps its org, even when it moves.

Materialised paths are computed here rather than by `Device.save()` (one
query a device): new devices are bulk-inserted parents first, then the path
of every device whose path changed (new ones, moved ones and their whole
subtrees, also the parts of a subtree that are not in the file) is
bulk-updated (griddesk.csvimport.BulkWriter). The network is held in
memory for the import (a few hundred bytes a device), which is what lets
cycles through existing devices be found without a query per row.
"""

from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count
from django.utils.translation import gettext as _

from griddesk.audit.services import audit_append
from griddesk.csvimport import (
    BulkWriter,
    CsvFile,
    ErrorLog,
    ImportFailed,
    ImportResult,
    all_or_nothing,
    analyze,
    check_choice,
    check_length,
    file_name_of,
)
from griddesk.customers.models import Customer
from griddesk.grid.models import ALLOWED_PARENT_KINDS, Device, DeviceKind, Zone
from griddesk.paths import SEGMENT, segment

COLUMNS = ("device_id", "kind", "parent_id", "name", "zone")
CREATE_BATCH = 2000
ANALYZE_AFTER = 10_000  # created rows: refresh PostgreSQL's statistics after a bulk load


@dataclass
class _Row:
    line: int
    device_id: str
    kind: str | None
    parent_id: str
    name: str
    zone: str | None


class _Stored(NamedTuple):
    pk: int
    device_id: str
    kind: str
    parent_pk: int | None
    org_id: int | None
    path: str
    name: str
    zone: str


def topology_import(*, path, dry_run=False, actor=None, root_org=None):
    """Import a topology CSV, all-or-nothing; returns an ImportResult or raises ImportFailed."""
    errors = ErrorLog(file_name_of(path))
    source = CsvFile(path, columns=COLUMNS, errors=errors)
    with all_or_nothing(errors):
        rows = _read_rows(source, errors)
        if not source.usable:
            raise ImportFailed(errors)
        network = _Network.load()
        _check_parents(rows, network, errors)
        _check_cycles(rows, network, errors)
        _check_kind_changes(rows, network, errors)
        if errors:
            raise ImportFailed(errors)
        result = ImportResult(kind="topology", file_name=errors.file_name, sha256=source.sha256,
                              rows=len(rows), dry_run=dry_run)
        changes = _classify(rows, network, result)
        if dry_run:
            result.extra["descendants_moved"] = _count_moved_descendants(rows, network, changes)
            return result
        _write(rows, network, changes, root_org, result)
        if result.created >= ANALYZE_AFTER:
            analyze(Device)
        audit_append(stream="import:topology", action="import.topology", actor=actor,
                     payload=result.audit_payload())
    return result


# --- reading and per-row checks -------------------------------------------------------------


def _read_rows(source, errors):
    rows = {}
    for line, values in source.rows():
        row = _parse_row(line, values, errors)
        if row is None:
            continue
        first = rows.get(row.device_id)
        if first is not None:
            errors.add(line, "device_id", _("设备编号 \"%(id)s\" 重复（第 %(first)d 行已出现）") % {
                "id": row.device_id, "first": first.line,
            })
            continue
        rows[row.device_id] = row
    return rows


def _parse_row(line, values, errors):
    device_id, kind, parent_id, name, zone = values
    if not check_length(errors, line, "device_id", device_id, 40):
        return None
    kind = check_choice(errors, line, "kind", kind, DeviceKind)
    check_length(errors, line, "name", name, 100)
    zone = check_choice(errors, line, "zone", zone, Zone)
    check_length(errors, line, "parent_id", parent_id, 40, required=False)
    return _Row(line, device_id, kind, parent_id, name, zone)


# --- the network as it will be --------------------------------------------------------------


class _Network:
    """The devices in the database, by device_id and by pk, read in one query."""

    def __init__(self, stored):
        self.stored = stored
        self.by_pk = {node.pk: node for node in stored.values()}

    @classmethod
    def load(cls):
        fields = ("pk", "device_id", "kind", "parent_id", "org_id", "path", "name", "zone")
        query = Device.objects.values_list(*fields).order_by()
        return cls({values[1]: _Stored(*values) for values in query.iterator(chunk_size=5000)})

    def stored_parent_id(self, device_id):
        node = self.stored.get(device_id)
        if node is None or node.parent_pk is None:
            return None
        return self.by_pk[node.parent_pk].device_id

    def kind_after(self, device_id, rows):
        row = rows.get(device_id)
        if row is not None:
            return row.kind
        node = self.stored.get(device_id)
        return node.kind if node else None

    def parent_after(self, device_id, rows):
        row = rows.get(device_id)
        if row is not None:
            return row.parent_id or None
        return self.stored_parent_id(device_id)


def _label(kind):
    return str(DeviceKind(kind).label)


def _check_parents(rows, network, errors):
    for row in rows.values():
        if row.kind == DeviceKind.SUBSTATION:
            if row.parent_id:
                errors.add(row.line, "parent_id", _("变电站不能有上级设备（填写了 \"%(parent)s\"）") % {
                    "parent": row.parent_id,
                })
            continue
        if not row.parent_id:
            if row.kind is not None:
                errors.add(row.line, "parent_id", _("不能为空：只有变电站可以没有上级设备"))
            continue
        if row.parent_id not in rows and row.parent_id not in network.stored:
            errors.add(row.line, "parent_id", _("上级设备 \"%(parent)s\" 不存在") % {"parent": row.parent_id})
            continue
        parent_kind = network.kind_after(row.parent_id, rows)
        if row.kind is None or parent_kind is None or row.parent_id == row.device_id:
            continue  # already reported (bad kind) or reported as a cycle
        if parent_kind not in ALLOWED_PARENT_KINDS[row.kind]:
            errors.add(row.line, "parent_id", _wrong_parent_message(row.kind, parent_kind, row.parent_id))


def _wrong_parent_message(kind, parent_kind, parent_id):
    allowed = "、".join(_label(k) for k in DeviceKind.values if k in ALLOWED_PARENT_KINDS[kind])
    return _("%(kind)s不能挂在%(parent_kind)s \"%(parent)s\" 下（%(kind)s的上级只能是%(allowed)s）") % {
        "kind": _label(kind), "parent_kind": _label(parent_kind), "parent": parent_id,
        "allowed": allowed or _("无"),
    }


def _check_cycles(rows, network, errors):
    """Every cycle of the network after the import; each contains at least one row of the file."""
    visiting, done = 1, 2
    state = {}
    for start in rows:
        trail, node = [], start
        while node is not None and node not in state:
            state[node] = visiting
            trail.append(node)
            node = network.parent_after(node, rows)
        if node is not None and state[node] == visiting:
            cycle = trail[trail.index(node):]
            first = min((rows[d] for d in cycle if d in rows), key=lambda r: r.line)
            errors.add(first.line, "parent_id", _(
                "上级关系形成环：%(cycle)s（设备不能挂在自身或其下级设备下）"
            ) % {"cycle": " → ".join([*_rotate(cycle, first.device_id), first.device_id])})
        for device_id in trail:
            state[device_id] = done


def _rotate(cycle, start):
    i = cycle.index(start)
    return cycle[i:] + cycle[:i]


def _check_kind_changes(rows, network, errors):
    """A device whose kind changes must still suit the children and customers it keeps."""
    changed = {
        network.stored[d].pk: row for d, row in rows.items()
        if d in network.stored and row.kind is not None and row.kind != network.stored[d].kind
    }
    if not changed:
        return
    for node in network.stored.values():
        row = changed.get(node.parent_pk)
        if row is None or node.device_id in rows:
            continue  # children listed in the file were checked as rows
        if row.kind not in ALLOWED_PARENT_KINDS[node.kind]:
            errors.add(row.line, "kind", _(
                "不能改为%(kind)s：其下级%(child_kind)s \"%(child)s\" 不能挂在%(kind)s下"
            ) % {"kind": _label(row.kind), "child_kind": _label(node.kind), "child": node.device_id})
    ex_transformers = [pk for pk, row in changed.items() if network.by_pk[pk].kind == DeviceKind.TRANSFORMER]
    if ex_transformers:
        counts = Customer.objects.filter(transformer_id__in=ex_transformers).values("transformer_id")
        for item in counts.annotate(n=Count("pk")).order_by():
            row = changed[item["transformer_id"]]
            errors.add(row.line, "kind", _("不能改为%(kind)s：该台区下还有 %(n)d 户客户") % {
                "kind": _label(row.kind), "n": item["n"],
            })


# --- writing --------------------------------------------------------------------------------


def _classify(rows, network, result):
    """Split the rows into new devices and changed ones; count them into `result`."""
    new, changed = [], []
    for row in rows.values():
        node = network.stored.get(row.device_id)
        if node is None:
            new.append(row)
        elif (row.kind, row.name, row.zone, row.parent_id or None) != (
            node.kind, node.name, node.zone, network.stored_parent_id(row.device_id)
        ):
            changed.append(row)
    result.created, result.updated = len(new), len(changed)
    result.unchanged = len(rows) - len(new) - len(changed)
    return new, changed


def _depths(rows, network):
    """Depth of every device of the file in the network after the import (no cycles by now)."""
    depth = {}
    for start in rows:
        trail, node = [], start
        while node is not None and node not in depth:
            trail.append(node)
            node = network.parent_after(node, rows)
        base = -1 if node is None else depth[node]
        for device_id in reversed(trail):
            base += 1
            depth[device_id] = base
    return depth


def _write(rows, network, changes, root_org, result):
    new, changed = changes
    pk_of = {device_id: node.pk for device_id, node in network.stored.items()}
    depth = _depths(rows, network)
    _create_devices(sorted(new, key=lambda r: depth[r.device_id]), network, pk_of, root_org)

    parent_pk, paths = _paths_after(rows, network, pk_of)
    edits = []
    for row in changed:
        pk = pk_of[row.device_id]
        edits.append((pk, row.kind, row.name, row.zone, parent_pk[pk], paths[pk], _depth_of(paths[pk])))
    writer = BulkWriter(Device, update=["kind", "name", "zone", "parent", "path", "depth"])
    writer.update(edits)
    writer.close()
    # New devices (inserted without a path: their pk was not known yet), unchanged rows below a
    # moved device, and moved subtrees' devices that the file does not list.
    listed = {edit[0] for edit in edits}
    old_path = {node.pk: node.path for node in network.stored.values()}
    writer = BulkWriter(Device, update=["path", "depth"])
    writer.update([
        (pk, path, _depth_of(path))
        for pk, path in paths.items() if pk not in listed and path != old_path.get(pk, "")
    ])
    writer.close()
    result.extra["descendants_moved"] = _moved_unlisted(rows, network, paths)


def _count_moved_descendants(rows, network, changes):
    """For a dry run: how many devices not in the file would move, with stand-in pks for new ones."""
    new, _changed = changes
    pk_of = {device_id: node.pk for device_id, node in network.stored.items()}
    next_pk = max(network.by_pk, default=0)
    for row in new:
        next_pk += 1
        pk_of[row.device_id] = next_pk
    _parent_pk, paths = _paths_after(rows, network, pk_of)
    return _moved_unlisted(rows, network, paths)


def _moved_unlisted(rows, network, paths):
    return sum(
        1 for node in network.stored.values() if node.device_id not in rows and paths[node.pk] != node.path
    )


def _paths_after(rows, network, pk_of):
    """Parent pk and materialised path of every device after the import."""
    parent_pk = {node.pk: node.parent_pk for node in network.stored.values()}
    for row in rows.values():
        parent_pk[pk_of[row.device_id]] = pk_of[row.parent_id] if row.parent_id else None
    paths = {}
    for start in parent_pk:
        trail, node = [], start
        while node is not None and node not in paths:
            trail.append(node)
            node = parent_pk[node]
        prefix = "" if node is None else paths[node]
        for pk in reversed(trail):
            prefix += segment(pk)
            paths[pk] = prefix
    return parent_pk, paths


def _depth_of(path):
    return len(path) // SEGMENT - 1


def _create_devices(new_rows, network, pk_of, root_org):
    """Insert the new devices; `new_rows` come parents first, so a parent's pk is known in time.

    A new device's org is its parent's (rule of this module's docstring); `root_org` for substations.
    """
    writer = BulkWriter(Device, insert=["device_id", "kind", "name", "zone", "parent", "org", "path", "depth"])
    org_of = {}
    batch = []
    for row in new_rows:
        if len(batch) >= CREATE_BATCH or (row.parent_id and row.parent_id not in pk_of):
            pk_of.update(writer.insert(batch, pks_by="device_id"))
            batch = []
        if row.parent_id:
            parent = network.stored.get(row.parent_id)
            org_id = parent.org_id if parent is not None else org_of[row.parent_id]
        else:
            org_id = root_org.pk if root_org is not None else None
        org_of[row.device_id] = org_id
        parent_pk = pk_of[row.parent_id] if row.parent_id else None
        batch.append((row.device_id, row.kind, row.name, row.zone, parent_pk, org_id, "", 0))
    pk_of.update(writer.insert(batch, pks_by="device_id"))
