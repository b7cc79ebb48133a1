; Warden's additions to tree-sitter-rust's tags.scm: constants and statics as definitions, and every
; identifier and type name as a reference (the stock query only tags calls, macros and impls). A
; reference only counts when some file defines the name.

(const_item name: (identifier) @name) @definition.constant

(static_item name: (identifier) @name) @definition.constant

(identifier) @name @reference.identifier

(type_identifier) @name @reference.type

(field_identifier) @name @reference.identifier
