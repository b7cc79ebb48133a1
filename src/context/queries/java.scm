; Warden's additions to tree-sitter-java's tags.scm: enums, records and constants as definitions, and
; every identifier and type name as a reference (the stock query misses field types, parameters,
; static calls through a class name). A reference only counts when some file defines the name.

(enum_declaration name: (identifier) @name) @definition.enum

(record_declaration name: (identifier) @name) @definition.class

(field_declaration
  (modifiers "static")
  declarator: (variable_declarator name: (identifier) @name)) @definition.constant

(identifier) @name @reference.identifier

(type_identifier) @name @reference.type
