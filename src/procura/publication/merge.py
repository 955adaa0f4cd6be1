"""OCDS merging: compiled and versioned releases exactly as `ocdsmerge` 0.8.0 makes them, but fast.

`ocdsmerge` flattens every release into a dict keyed by JSON paths, updates one flat dict and
unflattens it at the end. Here the merge walks the nested release into a nested state instead,
which gives the same output (values and key order) several times faster. The flat model has a few
quirks that a nested walk cannot reproduce cheaply (a field that is a value in one release and an
object in another, ids of mixed types such as `1` and `"1"`, `null`, boolean or float ids, an
object where `wholeListMerge` expects an array). The fast walk detects each of them and the merge
is then redone by `_exact_*`, a faithful port of `ocdsmerge`'s flatten/unflatten, so every input
gives `ocdsmerge`'s result.

Merge rules (`MergeRules.from_schema`) come from any release schema as `ocdsmerge` derives them:
`omitWhenMerged` (or `mergeStrategy: ocdsOmit`), `wholeListMerge` (or `ocdsVersion`), arrays of
objects whose items have no `id` property and arrays of non-objects are replaced whole, other arrays
of objects are merged by `id`. `versionId` is not read by `ocdsmerge` 0.8.0 and not here either:
the `id` of an object that is not in an array (`tender.id`) is versioned, the `id` of an array item
identifies it and stays a plain value, which is what `versionId` describes for OCDS 1.1.5.

This module imports no Django: the `procura ocds compile` tool uses it on anyone's data.
"""

from __future__ import annotations

import functools
import operator
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, Final
from urllib.parse import unquote

import orjson

from procura.publication import schema as ocds_schema

_PLAIN = 0
_OMIT = 1
_WHOLE = 2


class MergeError(ValueError):
    """The releases cannot be merged (what `ocdsmerge` reports as an error, with a readable message)."""


class RebuildRequired(MergeError):
    """An incremental step cannot guarantee the result of a full merge: merge all releases again."""


class _Quirk(Exception):
    """The fast nested merge met a case only the flat model reproduces."""


class _Null:
    """A field a release set to `null` in a compiled state: it keeps its place but is not output."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<null>"

    def __reduce__(self) -> str:
        return "_NULL"  # unpickled as the one `_NULL` (states cross processes in `procura ocds compile`)


_NULL: Final = _Null()
_MISSING: Final = object()


class _RuleNode:
    """The merge rule of one schema path (`kind`) and the rules below it, by property name."""

    __slots__ = ("children", "kind", "omitted")

    def __init__(self, kind: int = _PLAIN) -> None:
        self.kind = kind
        self.children: dict[str, _RuleNode] = {}
        # The names of the children whose values are never merged, set once the tree is complete.
        self.omitted: frozenset[str] = frozenset()


def _finish(node: _RuleNode) -> _RuleNode:
    node.omitted = frozenset(name for name, child in node.children.items() if child.kind == _OMIT)
    for child in node.children.values():
        _finish(child)
    return node


_NO_RULES: Final = _RuleNode()  # shared by every path the schema does not describe; never modified


class MergeRules:
    """Merge rules by path (as `ocdsmerge.rules.get_merge_rules` returns them) and as a tree for the merge."""

    __slots__ = ("compiled_root", "paths", "root", "versioned_root")

    def __init__(self, paths: dict[tuple[str, ...], str]) -> None:
        self.paths = dict(paths)
        root = _RuleNode()
        for path, rule in self.paths.items():
            node = root
            for part in path:
                child = node.children.get(part)
                if child is None:
                    child = node.children[part] = _RuleNode()
                node = child
            node.kind = _OMIT if rule == "omitWhenMerged" else _WHOLE
        self.root = _finish(root)
        # `tag` is never merged (ocdsmerge pops it); a versioned release keeps `ocid` unversioned.
        self.compiled_root = _finish(_with_omitted(root, ("tag",)))
        self.versioned_root = _finish(_with_omitted(root, ("tag", "ocid")))

    @classmethod
    def from_schema(cls, schema: dict[str, Any]) -> MergeRules:
        """Derive the rules from a release schema, resolving its local `$ref`s as `jsonref` does.

        A `$ref` that cannot be resolved offline (another file, a missing definition) counts as a
        property with no rules, as do recursive definitions after their first level."""
        resolver = _Resolver(schema)
        root = resolver.resolve(schema)
        properties = resolver.resolve(root.get("properties", {})) if isinstance(root, dict) else {}
        return cls(dict(_schema_rules(properties, (), resolver, frozenset())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MergeRules) and self.paths == other.paths

    def __hash__(self) -> int:
        return hash(frozenset(self.paths.items()))


def _with_omitted(root: _RuleNode, names: tuple[str, ...]) -> _RuleNode:
    copy = _RuleNode(root.kind)
    copy.children = dict(root.children)
    for name in names:
        copy.children[name] = _RuleNode(_OMIT)
    return copy


@functools.cache
def default_rules() -> MergeRules:
    """The rules of OCDS 1.1.5 with the extensions Procura declares."""
    return MergeRules.from_schema(ocds_schema.patched_schema())


class _Resolver:
    """Replace `{"$ref": "#/..."}` by its target, like `jsonref.replace_refs` (properties beside `$ref` ignored)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, value: Any) -> Any:
        seen: set[str] = set()
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            reference = value["$ref"]
            if reference in seen or not reference.startswith("#"):
                return {}
            seen.add(reference)
            value = self._pointer(reference[1:])
        return value

    def _pointer(self, pointer: str) -> Any:
        target: Any = self.document
        for raw in pointer.split("/")[1:] if pointer else []:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and part in target:
                target = target[part]
            elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            else:
                return {}
        return target


def _types(prop: dict[str, Any]) -> list[Any]:
    if "type" not in prop:
        return []
    if isinstance(prop["type"], str):
        return [prop["type"]]
    return list(prop["type"]) if isinstance(prop["type"], list) else []


def _schema_rules(
    properties: Any, path: tuple[str, ...], resolver: _Resolver, active: frozenset[int]
) -> Iterator[tuple[tuple[str, ...], str]]:
    """`ocdsmerge.rules._get_merge_rules`, with cycle protection."""
    if not isinstance(properties, dict):
        return
    for key, raw in properties.items():
        value = resolver.resolve(raw)
        if not isinstance(value, dict):
            continue
        new_path = (*path, key)
        types = _types(value)
        if value.get("omitWhenMerged") or value.get("mergeStrategy") == "ocdsOmit":
            yield new_path, "omitWhenMerged"
        elif "array" in types and (value.get("wholeListMerge") or value.get("mergeStrategy") == "ocdsVersion"):
            yield new_path, "wholeListMerge"
        elif "object" in types and "properties" in value:
            if id(value) not in active:
                yield from _schema_rules(
                    resolver.resolve(value["properties"]), new_path, resolver, active | {id(value)}
                )
        elif "array" in types and "items" in value:
            items = resolver.resolve(value["items"])
            item_types = _types(items) if isinstance(items, dict) else []
            if any(item_type != "object" for item_type in item_types):
                yield new_path, "wholeListMerge"
            elif "object" in item_types and "properties" in items:
                item_properties = resolver.resolve(items["properties"])
                if not isinstance(item_properties, dict) or "id" not in item_properties:
                    yield new_path, "wholeListMerge"
                elif id(items) not in active:
                    yield from _schema_rules(item_properties, new_path, resolver, active | {id(items)})


# --- Fast nested merge -----------------------------------------------------------------------------
#
# A state is a tree of plain dicts (objects) and `_IdArray`s (arrays of objects merged by id). Any
# other value is a leaf: in a compiled state the latest value (`_NULL` for null), in a versioned
# state the list of versioned values. Containers are created only once a leaf exists below them,
# because `ocdsmerge` only creates what some flattened path leads to.


class _IdArray(list):
    """An array of objects merged by `id`: the items in order, found by `str(id)` in `by_id`.

    A list subclass, so that `orjson` serialises a state as it is (no `default` callback per array);
    `by_id` maps each id (ocdsmerge compares ids as strings) to its item."""

    __slots__ = ("by_id",)
    by_id: dict[Any, dict[str, Any]]


def _id_array() -> _IdArray:
    array = _IdArray()  # no `__init__`: a Python-level one doubles the cost of every array
    array.by_id = {}
    return array


def _leaf_list(value: list[Any]) -> bool:
    """Whether `ocdsmerge` keeps this array whole (it holds something other than objects)."""
    return any(type(item) is not dict for item in value)


def _item_key(item: dict[str, Any], rule: _RuleNode) -> Any:
    raw = item["id"]
    kind = type(raw)
    if kind is str:
        key: Any = raw
    elif kind is int:
        key = str(raw)
    else:
        raise _Quirk
    if "id" in rule.omitted:
        raise _Quirk
    return key


def _compile_object(state: dict[str, Any], obj: dict[str, Any], rule: _RuleNode) -> None:
    children = rule.children
    for key, value in obj.items():
        sub = children.get(key, _NO_RULES) if children else _NO_RULES
        vtype = type(value)
        if sub.kind:
            if sub.kind == _OMIT:
                continue
            if vtype is dict:
                raise _Quirk  # an object where wholeListMerge keeps a whole value
        elif vtype is dict or (vtype is list and value and not _leaf_list(value)):
            if not value:
                continue
            current = state.get(key, _MISSING)
            if current is _MISSING:
                node = _compile_new(value, sub)
                if node is not None:
                    state[key] = node
            elif vtype is dict and type(current) is dict:
                _compile_object(current, value, sub)
            elif vtype is list and type(current) is _IdArray:
                _compile_array(current, value, sub)
            elif _compile_new(value, sub) is not None:
                raise _Quirk  # a value, or the other kind of container, meets a container with fields
            continue
        elif vtype is list and not value:
            continue
        current = state.get(key, _MISSING)
        if current is _MISSING or not (type(current) is dict or type(current) is _IdArray):
            state[key] = _NULL if value is None else value
        # else: a value after a container with fields is never shown by ocdsmerge: ignore it.


def _compile_build(obj: dict[str, Any], rule: _RuleNode, node: dict[str, Any]) -> dict[str, Any]:
    """`_compile_object` into a new object (nothing to look up), the path every first release takes."""
    children = rule.children
    for key, value in obj.items():
        vtype = type(value)
        if children:
            sub = children.get(key, _NO_RULES)
            if sub.kind:
                if sub.kind == _OMIT:
                    continue
                if vtype is dict:
                    raise _Quirk
                node[key] = _NULL if value is None else value
                continue
        else:
            sub = _NO_RULES
        if vtype is dict:
            if value:
                child = _compile_build(value, sub, {})
                if child:
                    node[key] = child
        elif vtype is list:
            if not value:
                continue
            if _leaf_list(value):
                node[key] = value
            else:
                array = _id_array()
                _compile_array(array, value, sub)
                if array:
                    node[key] = array
        elif value is None:
            node[key] = _NULL
        else:
            node[key] = value
    return node


def _compile_new(value: Any, rule: _RuleNode) -> Any:
    if type(value) is dict:
        return _compile_build(value, rule, {}) or None
    array = _id_array()
    _compile_array(array, value, rule)
    return array if array else None


def _compile_array(array: _IdArray, items: list[dict[str, Any]], rule: _RuleNode) -> None:
    index = array.by_id
    for item in items:
        if "id" in item:
            key = _item_key(item, rule)
            node = index.get(key)
            if node is None:
                node = index[key] = _compile_build(item, rule, {"id": item["id"]})
                array.append(node)
            else:
                if node.get("id", _MISSING) != item["id"] or type(node.get("id")) is not type(item["id"]):
                    raise _Quirk  # `1` and `"1"`: the same string, different ids for ocdsmerge
                _compile_object(node, item, rule)
        elif item:
            node = _compile_build(item, rule, {})
            if node:
                array.append(node)


def _version_object(state: dict[str, Any], obj: dict[str, Any], rule: _RuleNode, meta: tuple[Any, Any, Any]) -> None:
    children = rule.children
    for key, value in obj.items():
        sub = children.get(key, _NO_RULES)
        kind = sub.kind
        if kind == _OMIT:
            continue
        vtype = type(value)
        if kind != _WHOLE and (vtype is dict or vtype is list) and not (vtype is list and _leaf_list(value)):
            if not value:
                continue
            current = state.get(key, _MISSING)
            if current is _MISSING:
                node = _version_new(value, sub, meta)
                if node is not None:
                    state[key] = node
            elif vtype is dict and type(current) is dict:
                _version_object(current, value, sub, meta)
            elif vtype is list and type(current) is _IdArray:
                _version_array(current, value, sub, meta)
            elif _version_new(value, sub, meta) is not None:
                raise _Quirk
            continue
        if vtype is dict:
            raise _Quirk
        current = state.get(key, _MISSING)
        if current is _MISSING:
            state[key] = [{"releaseID": meta[0], "releaseDate": meta[1], "releaseTag": meta[2], "value": value}]
        elif type(current) is list and value != current[-1]["value"]:
            current.append({"releaseID": meta[0], "releaseDate": meta[1], "releaseTag": meta[2], "value": value})
        # else: a container (the value is never shown) or an array item's plain `id`.


def _version_new(value: Any, rule: _RuleNode, meta: tuple[Any, Any, Any]) -> Any:
    if type(value) is dict:
        node: dict[str, Any] = {}
        _version_object(node, value, rule, meta)
        return node or None
    array = _id_array()
    _version_array(array, value, rule, meta)
    return array if array else None


def _version_array(array: _IdArray, items: list[dict[str, Any]], rule: _RuleNode, meta: tuple[Any, Any, Any]) -> None:
    existing = array.by_id
    seen: set[Any] = set()
    for item in items:
        if "id" in item:
            key = _item_key(item, rule)
            if key in seen:
                # ocdsmerge flattens the whole release first, so two items with one id in one release
                # make one versioned value (the last), not two.
                raise _Quirk
            seen.add(key)
            node = existing.get(key)
            if node is None:
                node = {"id": item["id"]}
                _version_object(node, item, rule, meta)
                existing[key] = node
                array.append(node)
            else:
                if node.get("id", _MISSING) != item["id"] or type(node.get("id")) is not type(item["id"]):
                    raise _Quirk
                _version_object(node, item, rule, meta)
        else:
            node = {}
            _version_object(node, item, rule, meta)
            if node:
                array.append(node)


def _check_release(release: Any) -> dict[str, Any]:
    if type(release) is not dict:
        raise MergeError(f"a release is a {type(release).__name__}, not an object")
    ocid = release.get("ocid")
    if type(ocid) is dict or type(ocid) is list:
        raise _Quirk
    return release


def _compile_into(state: dict[str, Any], release: dict[str, Any], rules: MergeRules) -> None:
    ocid = release.get("ocid")
    date = release.get("date")
    state["id"] = f"{ocid}-{date}"
    state["date"] = _NULL if date is None else date
    state["ocid"] = _NULL if ocid is None else ocid
    _compile_object(state, release, rules.compiled_root)


def _version_into(state: dict[str, Any], release: dict[str, Any], rules: MergeRules) -> None:
    ocid = release.get("ocid")
    state["ocid"] = _NULL if ocid is None else ocid
    meta = (release.get("id"), release.get("date"), release.get("tag"))
    _version_object(state, release, rules.versioned_root, meta)


def _plain(node: Any) -> Any:
    """A state as JSON values: `_NULL` fields dropped, merged arrays as lists (leaf values are shared)."""
    kind = type(node)
    if kind is dict:
        return {key: _plain(value) for key, value in node.items() if value is not _NULL}
    if kind is _IdArray:
        return [_plain(item) for item in node]
    return node


def _dumps(state: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(state)  # `_IdArray`s are lists
    except orjson.JSONEncodeError:  # a `_NULL` somewhere: drop it on a copy
        return orjson.dumps(_plain(state))


class MergedState:
    """The running state of one ocid's compiled or versioned release, for streaming tools.

    `add` merges releases in date order; it returns False (and the state must be discarded) when
    the fast merge cannot reproduce `ocdsmerge`: merge the releases again with `compile_release` /
    `versioned_release`, which fall back to the exact port."""

    __slots__ = ("rules", "state", "versioned")

    def __init__(self, rules: MergeRules, *, versioned: bool) -> None:
        self.rules = rules
        self.versioned = versioned
        self.state: dict[str, Any] = {} if versioned else {"tag": ["compiled"]}

    def add(self, release: dict[str, Any]) -> bool:
        try:
            _check_release(release)
            if self.versioned:
                _version_into(self.state, release, self.rules)
            else:
                _compile_into(self.state, release, self.rules)
        except _Quirk:
            return False
        return True

    def to_json(self) -> bytes:
        return _dumps(self.state)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = _plain(self.state)
        return result

    def compact_json(self) -> bytes | None:
        """The state as its compiled release, if `from_compact_json` can restore it exactly, else None.

        Only a compiled state without `null` fields qualifies: the output drops them, and their
        place in their object would be lost. Lets a streaming tool keep bytes for an ocid it is not
        merging at the moment instead of a tree of dicts (several times smaller)."""
        if self.versioned:
            return None
        try:
            return orjson.dumps(self.state)
        except orjson.JSONEncodeError:
            return None

    @classmethod
    def from_compact_json(cls, rules: MergeRules, data: bytes) -> MergedState:
        """The state `compact_json` saved (raises `RebuildRequired` if it was not such bytes)."""
        merged = cls(rules, versioned=False)
        merged.state = _state_from_compiled(orjson.loads(data), rules)
        return merged

    def combine(self, later: MergedState) -> bool:
        """Merge into this compiled state another one built from the releases that follow (by date).

        The result is what merging all those releases one by one into this state gives: the later
        state's leaves win, new fields and array items come last in their order, a value after an
        object or array is ignored. Returns False (discard both) where the fast merge would have
        needed the flat model. Both states are consumed."""
        if self.versioned or later.versioned:
            return False
        try:
            _combine(self.state, later.state)
        except _Quirk:
            return False
        return True


def _combine(state: dict[str, Any], later: dict[str, Any]) -> None:
    for key, value in later.items():
        current = state.get(key, _MISSING)
        vtype = type(value)
        if current is _MISSING:
            state[key] = value
        elif vtype is dict:
            if type(current) is not dict:
                raise _Quirk  # an object after a value or an array: as `_compile_object`
            _combine(current, value)
        elif vtype is _IdArray:
            if type(current) is not _IdArray:
                raise _Quirk
            _combine_array(current, value)
        elif type(current) is not dict and type(current) is not _IdArray:
            state[key] = value
        # else: values after a container with fields are never shown by ocdsmerge: ignore them.


def _combine_array(array: _IdArray, later: _IdArray) -> None:
    index = array.by_id
    for node in later:
        if "id" not in node:
            array.append(node)
            continue
        raw = node["id"]
        key = raw if type(raw) is str else str(raw)
        existing = index.get(key)
        if existing is None:
            index[key] = node
            array.append(node)
            continue
        if existing.get("id", _MISSING) != raw or type(existing.get("id")) is not type(raw):
            raise _Quirk
        _combine(existing, node)


# --- Whole merges ------------------------------------------------------------------------------------


def sorted_releases(releases: list[Any]) -> list[Any]:
    """Releases by date, ties in the given order (`ocdsmerge.util.sorted_releases`, clearer errors)."""
    if len(releases) == 1 and isinstance(releases[0], dict):
        return releases
    for index, release in enumerate(releases):
        if type(release) is not dict:
            raise MergeError(f"release {index} is a {type(release).__name__}, not an object")
        if "date" not in release:
            raise MergeError(f"release {index} ({release.get('id')!r}) has no date")
    try:
        return sorted(releases, key=operator.itemgetter("date"))
    except TypeError as exc:
        if any(release["date"] is None for release in releases):
            raise MergeError("the date of at least one release is null") from exc
        raise MergeError("the date of at least one release is not a string") from exc


def compile_release(releases: Iterable[dict[str, Any]], rules: MergeRules | None = None) -> dict[str, Any]:
    """The compiled release of one ocid's releases (`Merger.create_compiled_release`)."""
    rules = rules or default_rules()
    ordered = sorted_releases(list(releases))
    state = MergedState(rules, versioned=False)
    for release in ordered:
        if not state.add(release):
            return _exact_merge(ordered, rules, versioned=False)
    return state.to_dict()


def versioned_release(releases: Iterable[dict[str, Any]], rules: MergeRules | None = None) -> dict[str, Any]:
    """The versioned release of one ocid's releases (`Merger.create_versioned_release`)."""
    rules = rules or default_rules()
    ordered = sorted_releases(list(releases))
    state = MergedState(rules, versioned=True)
    for release in ordered:
        if not state.add(release):
            return _exact_merge(ordered, rules, versioned=True)
    return state.to_dict()


# --- Incremental steps -------------------------------------------------------------------------------


def needs_rebuild(compiled: dict[str, Any] | None, release: dict[str, Any], rules: MergeRules | None = None) -> bool:
    """Whether `compile_step`/`version_step` cannot add `release` to the record and a full merge is needed.

    True when the release is older than the latest one merged (`compiled["date"]`), when dates are
    missing or not strings, and in the rare cases listed in `compile_step`."""
    try:
        compile_step(compiled, release, rules)
    except RebuildRequired:
        return True
    return False


def compile_step(
    compiled: dict[str, Any] | None, release: dict[str, Any], rules: MergeRules | None = None
) -> dict[str, Any]:
    """The compiled release after one more release, from the previous compiled release (not mutated).

    Folding it over releases in date order (ties in arrival order) equals `compile_release` of
    them all, JSON-equal (a field that was null and is set again may come in another key order).
    Raises `RebuildRequired` when that cannot be guaranteed: the release is older than
    `compiled["date"]`, a date is missing or not a string, an array item has a `null`, boolean or
    float `id` or an `id` of another type than before (`1` then `"1"`), a field changes between a
    value and an object or array, or an object sits where `wholeListMerge` expects an array.
    Callers then merge all the releases again with `compile_release`. If that raises `MergeError`
    (ocdsmerge refuses these releases), keep merging all releases at each later release: a later
    release can make them mergeable again (by setting to null the value that conflicted)."""
    rules = rules or default_rules()
    if compiled is None:
        _check_step_date(None, release)
        return compile_release([release], rules)
    _check_step_date(compiled.get("date"), release)
    state = MergedState(rules, versioned=False)
    state.state = _state_from_compiled(compiled, rules)
    if not state.add(release):
        raise RebuildRequired("this release needs the flat merge: merge all releases again")
    return state.to_dict()


def version_step(
    versioned: dict[str, Any] | None, release: dict[str, Any], rules: MergeRules | None = None
) -> dict[str, Any]:
    """The versioned release after one more release, from the previous versioned release (not mutated).

    Same guarantee and same `RebuildRequired` cases as `compile_step`, except that a versioned
    release does not say which release was the latest: check `needs_rebuild(compiled, release)`
    on the compiled release kept beside it to catch a release older than the latest one."""
    rules = rules or default_rules()
    if versioned is None:
        _check_step_date(None, release)
        return versioned_release([release], rules)
    _check_step_date(None, release)
    state = MergedState(rules, versioned=True)
    state.state = _state_from_versioned(versioned, rules)
    if not state.add(release):
        raise RebuildRequired("this release needs the flat merge: merge all releases again")
    return state.to_dict()


def _check_step_date(latest: Any, release: Any) -> None:
    if type(release) is not dict:
        raise MergeError(f"a release is a {type(release).__name__}, not an object")
    date = release.get("date")
    if type(date) is not str:
        raise RebuildRequired("the release's date is missing or not a string")
    if latest is not None and (type(latest) is not str or date < latest):
        raise RebuildRequired(f"the release ({date}) is older than the latest merged one ({latest})")


def _state_from_compiled(compiled: dict[str, Any], rules: MergeRules) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for key, value in compiled.items():
        if key in ("tag", "id", "date", "ocid"):
            state[key] = value
    return _state_object(compiled, rules.root, state, versioned=False)


def _state_from_versioned(versioned: dict[str, Any], rules: MergeRules) -> dict[str, Any]:
    state: dict[str, Any] = {"ocid": versioned["ocid"]} if "ocid" in versioned else {}
    return _state_object(versioned, rules.root, state, versioned=True)


def _is_versioned_value(value: Any) -> bool:
    return (
        type(value) is dict and len(value) == 4 and {"releaseID", "releaseDate", "releaseTag", "value"} >= value.keys()
    )


def _state_object(obj: dict[str, Any], rule: _RuleNode, state: dict[str, Any], *, versioned: bool) -> dict[str, Any]:
    """Rebuild a state from a merged release (copying containers; leaves are never mutated)."""
    for key, value in obj.items():
        if key in state:
            continue
        sub = rule.children.get(key, _NO_RULES)
        vtype = type(value)
        if vtype is dict and sub.kind == _PLAIN:
            state[key] = _state_object(value, sub, {}, versioned=versioned)
        elif vtype is list and sub.kind == _PLAIN and value and not _leaf_list(value):
            versioned_values = sum(1 for entry in value if _is_versioned_value(entry)) if versioned else 0
            if versioned_values == len(value):
                state[key] = list(value)
                continue
            if versioned_values:
                raise RebuildRequired(f"array items mixed with versioned values ({key})")
            state[key] = _state_array(value, sub, versioned=versioned)
        elif vtype is list and sub.kind == _PLAIN and any(type(item) is dict for item in value):
            # ocdsmerge appends array items to a whole value when a path is both: only it can go on.
            raise RebuildRequired(f"objects mixed with other values in an array ({key})")
        elif vtype is dict:
            raise RebuildRequired(f"an object where the rules expect a whole value ({key})")
        elif versioned and vtype is list:
            state[key] = list(value)
        else:
            state[key] = value
    return state


def _state_array(value: list[dict[str, Any]], rule: _RuleNode, *, versioned: bool) -> _IdArray:
    array = _id_array()
    for item in value:
        if "id" in item:
            raw = item["id"]
            if type(raw) is not str and type(raw) is not int:
                raise RebuildRequired("an array item has an id that is neither a string nor an integer")
            item_key: Any = str(raw)
            if item_key in array.by_id:
                raise RebuildRequired("two items of an array have the same id")
            array.by_id[item_key] = node = _state_object(item, rule, {}, versioned=versioned)
        else:
            node = _state_object(item, rule, {}, versioned=versioned)
        array.append(node)
    return array


# --- Exact port of ocdsmerge's flatten/unflatten (used only when the fast merge meets a quirk) ------


class _IdValue(str):
    """A path part for an array item: compares as `str(id)`, remembers the id as given."""

    __slots__ = ("identifier", "original_value")
    identifier: Any
    original_value: Any


def _id_value(value: dict[str, Any]) -> _IdValue:
    if "id" in value:
        original = value["id"]
        identifier = original
    else:
        original = None
        identifier = str(uuid.uuid1(1))
    key = _IdValue(identifier)
    key.identifier = identifier
    key.original_value = original
    return key


def _flatten(
    obj: Any, rule: _RuleNode, flattened: dict[tuple[Any, ...], Any], path: tuple[Any, ...]
) -> dict[tuple[Any, ...], Any]:
    iterable: Iterable[tuple[Any, Any]]
    iterable = ((_id_value(value), value) for value in obj) if type(obj) is list else obj.items()
    is_dict = type(obj) is not list
    for key, value in iterable:
        sub = rule.children.get(key, _NO_RULES) if is_dict else rule
        if sub.kind == _OMIT:
            continue
        if sub.kind == _WHOLE or not isinstance(value, (dict, list)) or (type(value) is list and _leaf_list(value)):
            flattened[(*path, key)] = value
        elif value:
            _flatten(value, sub, flattened, (*path, key))
    return flattened


def _unflatten(flattened: dict[tuple[Any, ...], Any], *, drop_none: bool) -> dict[str, Any]:
    unflattened: dict[str, Any] = {}
    identifiers: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key in flattened:
        current: Any = unflattened
        for end, part in enumerate(key, 1):
            if type(part) is _IdValue:
                try:
                    id_path = (*key[: end - 1], part.identifier)
                    known = id_path in identifiers
                except TypeError as exc:
                    raise MergeError(f"an id is not a string or number: {part.identifier!r}") from exc
                if not known:
                    new_node: dict[str, Any] = {}
                    if part.original_value is not None:
                        new_node["id"] = part.original_value
                    identifiers[id_path] = new_node
                    if type(current) is not list:
                        message = "An earlier release had the object {!r} for /{}, but the current release has an array"
                        raise MergeError(message.format(current, "/".join(map(str, key[: end - 1]))))
                    current.append(new_node)
                current = identifiers[id_path]
            elif not isinstance(current, dict):
                message = (
                    "An earlier release had the value {!r} for /{}, "
                    "but the current release has an object with a {!r} key"
                )
                raise MergeError(message.format(current, "/".join(map(str, key[: end - 1])), part))
            elif part in current:
                current = current[part]
            elif end < len(key):
                current[part] = [] if type(key[end]) is _IdValue else {}
                current = current[part]
            elif not (drop_none and flattened[key] is None):
                # ocdsmerge may append array items to a whole-list value here: copy it, never mutate the release.
                value = flattened[key]
                current[part] = list(value) if type(value) is list else value
    return unflattened


def _exact_merge(ordered: list[dict[str, Any]], rules: MergeRules, *, versioned: bool) -> dict[str, Any]:
    data: dict[tuple[Any, ...], Any] = {} if versioned else {("tag",): ["compiled"]}
    for release in ordered:
        if type(release) is not dict:
            raise MergeError(f"a release is a {type(release).__name__}, not an object")
        body = {key: value for key, value in release.items() if key != "tag"}
        ocid, date = release.get("ocid"), release.get("date")
        flat = _flatten(body, rules.root, {}, ())
        if not versioned:
            data[("id",)] = f"{ocid}-{date}"
            data[("date",)] = date
            data[("ocid",)] = ocid
            data.update(flat)
            continue
        flat.pop(("ocid",), None)
        data[("ocid",)] = ocid
        meta = {"releaseID": release.get("id"), "releaseDate": date, "releaseTag": release.get("tag")}
        for key, value in flat.items():
            if key in data and (type(data[key]) is not list or value == data[key][-1]["value"]):
                continue
            data.setdefault(key, []).append({**meta, "value": value})
    return _unflatten(data, drop_none=True)
