"""Per-language tables of tree-sitter node kinds: what is a function, a class, a type, an import.

The outline walker (``outline``) is the same for every language; only
these tables differ. Node kind names are the grammars' own (checked against
tree-sitter-python 0.25, -javascript 0.25, -typescript 0.23, -go 0.25,
-rust 0.24, -java 0.23 and -c 0.24).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Syntax:
    """How one language spells the things an outline keeps.

    ``functions`` have bodies that are elided. ``containers`` (classes,
    impls, traits) keep their header and are walked member by member;
    ``transparent`` ones (``#ifdef``, namespaces, ``if TYPE_CHECKING:``)
    too, but they do not make their members nested. ``types`` are kept whole
    when short. ``wrappers`` (decorators, ``export``) hold a definition in a
    field. ``attributes`` are siblings that belong to the next definition
    (``#[derive]``, TypeScript member decorators).
    """

    name: str
    functions: frozenset[str]
    containers: dict[str, str]
    transparent: frozenset[str]
    types: dict[str, str]
    wrappers: dict[str, tuple[str, ...]]
    imports: frozenset[str]
    constants: frozenset[str]
    comments: frozenset[str]
    attributes: frozenset[str] = frozenset()
    comment_prefix: str = "//"
    indented: bool = False
    calls: frozenset[str] = frozenset({"call_expression"})
    # Function-valued declarations (``const f = () => {}``) and their value kinds.
    function_values: frozenset[str] = frozenset()
    # Anonymous functions whose bodies are elided wherever they appear (callbacks, lambdas).
    closures: frozenset[str] = frozenset()
    # Members that hold a value, not code (an interface's properties): named, droppable, retrievable.
    fields: frozenset[str] = frozenset()


_JS_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function"})

PYTHON = Syntax(
    name="python",
    functions=frozenset({"function_definition"}),
    containers={"class_definition": "class"},
    transparent=frozenset({"if_statement", "try_statement", "with_statement"}),
    types={"type_alias_statement": "type"},
    wrappers={"decorated_definition": ("definition",)},
    imports=frozenset({"import_statement", "import_from_statement", "future_import_statement"}),
    constants=frozenset({"expression_statement"}),
    comments=frozenset({"comment"}),
    comment_prefix="#",
    indented=True,
    calls=frozenset({"call"}),
)

JAVASCRIPT = Syntax(
    name="javascript",
    functions=frozenset({"function_declaration", "generator_function_declaration", "method_definition"}),
    containers={"class_declaration": "class", "class": "class", "abstract_class_declaration": "class"},
    transparent=frozenset({"internal_module", "module"}),
    types={"interface_declaration": "interface", "type_alias_declaration": "type", "enum_declaration": "enum"},
    wrappers={"export_statement": ("declaration", "value"), "ambient_declaration": ()},
    imports=frozenset({"import_statement"}),
    constants=frozenset({"lexical_declaration", "variable_declaration", "export_statement"}),
    comments=frozenset({"comment"}),
    attributes=frozenset({"decorator"}),
    calls=frozenset({"call_expression", "new_expression"}),
    function_values=_JS_FUNCTION_VALUES,
    closures=_JS_FUNCTION_VALUES,
)

TYPESCRIPT = Syntax(
    name="typescript",
    # An interface is walked member by member: its doc comments shrink and its methods are definitions.
    containers=JAVASCRIPT.containers | {"interface_declaration": "interface"},
    # Declarations without bodies (`.d.ts`, interfaces, overloads) are members too: named, droppable, retrievable.
    functions=JAVASCRIPT.functions | {"method_signature", "abstract_method_signature", "function_signature"},
    transparent=JAVASCRIPT.transparent,
    types={kind: label for kind, label in JAVASCRIPT.types.items() if kind != "interface_declaration"},
    wrappers=JAVASCRIPT.wrappers,
    imports=frozenset({"import_statement", "import_alias"}),
    constants=JAVASCRIPT.constants,
    comments=JAVASCRIPT.comments,
    attributes=JAVASCRIPT.attributes,
    calls=JAVASCRIPT.calls,
    function_values=_JS_FUNCTION_VALUES,
    closures=_JS_FUNCTION_VALUES,
    fields=frozenset(
        {"property_signature", "public_field_definition", "index_signature", "call_signature", "construct_signature"}
    ),
)

GO = Syntax(
    name="go",
    functions=frozenset({"function_declaration", "method_declaration"}),
    containers={},
    transparent=frozenset(),
    types={"type_declaration": "type"},
    wrappers={},
    imports=frozenset({"package_clause", "import_declaration"}),
    constants=frozenset({"const_declaration", "var_declaration"}),
    comments=frozenset({"comment"}),
    closures=frozenset({"func_literal"}),
)

RUST = Syntax(
    name="rust",
    functions=frozenset({"function_item"}),
    containers={"impl_item": "impl", "trait_item": "trait"},
    transparent=frozenset({"mod_item", "foreign_mod_item"}),
    types={"struct_item": "struct", "enum_item": "enum", "union_item": "union", "type_item": "type"},
    wrappers={},
    imports=frozenset({"use_declaration", "extern_crate_declaration"}),
    constants=frozenset({"const_item", "static_item"}),
    comments=frozenset({"line_comment", "block_comment"}),
    attributes=frozenset({"attribute_item", "inner_attribute_item"}),
    calls=frozenset({"call_expression", "macro_invocation"}),
    closures=frozenset({"closure_expression"}),
)

JAVA = Syntax(
    name="java",
    functions=frozenset(
        {"method_declaration", "constructor_declaration", "compact_constructor_declaration", "static_initializer"}
    ),
    containers={
        "class_declaration": "class",
        "interface_declaration": "interface",
        "enum_declaration": "enum",
        "record_declaration": "record",
        "annotation_type_declaration": "annotation",
    },
    transparent=frozenset({"enum_body_declarations"}),
    types={},
    wrappers={},
    imports=frozenset({"package_declaration", "import_declaration", "module_declaration"}),
    constants=frozenset({"field_declaration", "constant_declaration"}),
    comments=frozenset({"line_comment", "block_comment"}),
    calls=frozenset({"method_invocation", "object_creation_expression"}),
    closures=frozenset({"lambda_expression"}),
)

C = Syntax(
    name="c",
    functions=frozenset({"function_definition"}),
    containers={},
    transparent=frozenset(
        {"preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef", "linkage_specification"}
    ),
    types={
        "struct_specifier": "struct",
        "union_specifier": "union",
        "enum_specifier": "enum",
        "type_definition": "typedef",
    },
    wrappers={},
    imports=frozenset({"preproc_include"}),
    constants=frozenset({"preproc_def", "preproc_function_def", "declaration"}),
    comments=frozenset({"comment"}),
)

SYNTAX: dict[str, Syntax] = {
    "python": PYTHON,
    "javascript": JAVASCRIPT,
    "typescript": TYPESCRIPT,
    "tsx": TYPESCRIPT,
    "go": GO,
    "rust": RUST,
    "java": JAVA,
    "c": C,
}

# Python statements whose blocks may hold definitions: their clauses hold blocks too.
PYTHON_CLAUSES = frozenset({"elif_clause", "else_clause", "except_clause", "except_group_clause", "finally_clause"})
