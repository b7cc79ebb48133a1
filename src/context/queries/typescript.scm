; Warden's additions to tree-sitter-typescript's tags.scm (with tree-sitter-javascript's): type aliases,
; enums, top-level constants, and every identifier and type name as a reference (the stock queries only
; tag calls, `new` and annotations). A reference only counts when some file defines the name.

(type_alias_declaration name: (type_identifier) @name) @definition.type

(enum_declaration name: (identifier) @name) @definition.enum

(program
  (lexical_declaration
    (variable_declarator name: (identifier) @name) @definition.constant))

(program
  (export_statement
    declaration: (lexical_declaration
      (variable_declarator name: (identifier) @name) @definition.constant)))

(program
  (export_statement
    declaration: (type_alias_declaration name: (type_identifier) @name) @definition.type))

(identifier) @name @reference.identifier

(type_identifier) @name @reference.type

(shorthand_property_identifier) @name @reference.identifier
