"""The network tree of an outage's page, drawn server-side as inline SVG (no script, CSP-safe).

`tree_layout` places the devices of a feeder (depth-first, as `outages.selectors.outage_page` reads
them) left to right by depth, one row per leaf, a parent level with the middle of its children; the
template (console/outages/_tree.html) draws boxes and elbow lines from it. The outage's device and
everything below it carry the class `out` (the part that is out), the device itself `origin`; the
styling is in griddesk.css.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

COLUMN = 190  # px between depths
ROW = 30  # px between leaves
BOX_W, BOX_H = 160, 22
MARGIN = 10
LABEL_CHARS = 11  # a longer name is cut with "…" (the full name is the box's tooltip)
KIND_MARK = {"substation": "站", "feeder": "线", "switch": "开", "fuse": "熔", "transformer": "变"}


@dataclass
class Node:
    device: object
    x: int = 0
    y: int = 0
    row: float = 0.0
    classes: str = ""
    label: str = ""
    mark: str = ""
    calls: int = 0
    children: list = field(default_factory=list)


@dataclass
class Edge:
    d: str  # the SVG path
    classes: str


@dataclass
class Tree:
    nodes: list
    edges: list
    width: int
    height: int
    box_w: int = BOX_W
    box_h: int = BOX_H
    title: str = ""


def tree_layout(*, devices, outage_device, calls_by_transformer=None):
    """A Tree for `devices` (path order, the first is the top), the outage's part highlighted."""
    calls_by_transformer = calls_by_transformer or {}
    if not devices:
        return Tree(nodes=[], edges=[], width=0, height=0)
    top_depth = devices[0].depth
    nodes, by_pk, roots = [], {}, []
    for device in devices:
        node = Node(device=device, mark=KIND_MARK.get(device.kind, ""),
                    calls=calls_by_transformer.get(device.pk, 0))
        name = device.name
        node.label = name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…"
        out = device.path.startswith(outage_device.path)
        node.classes = " ".join(filter(None, ["node", device.kind, "out" if out else "",
                                              "origin" if device.pk == outage_device.pk else ""]))
        parent = by_pk.get(device.parent_id)
        (parent.children if parent is not None else roots).append(node)
        by_pk[device.pk] = node
        nodes.append(node)
    leaves = [0]

    def place(node, depth):
        node.x = MARGIN + depth * COLUMN
        if node.children:
            for child in node.children:
                place(child, depth + 1)
            node.row = (node.children[0].row + node.children[-1].row) / 2
        else:
            node.row = leaves[0]
            leaves[0] += 1
        node.y = int(MARGIN + node.row * ROW)

    for root in roots:
        place(root, (root.device.depth - top_depth) if root is not nodes[0] else 0)
    edges = []
    for node in nodes:
        for child in node.children:
            middle = node.x + BOX_W + (COLUMN - BOX_W) // 2
            half = BOX_H // 2
            edges.append(Edge(
                d=f"M{node.x + BOX_W},{node.y + half} H{middle} V{child.y + half} H{child.x}",
                classes="edge out" if "out" in node.classes.split() else "edge"))  # below the device only
    depth = max(n.x for n in nodes) + BOX_W + MARGIN + 40  # room for the calls count
    height = int(MARGIN * 2 + max(leaves[0] - 1, 0) * ROW + BOX_H)
    title = _("%(feeder)s 网络拓扑：停电范围为 %(device)s 及其下游") % {
        "feeder": devices[0].name, "device": outage_device.name}
    return Tree(nodes=nodes, edges=edges, width=depth, height=height, title=title)
