; Warden's additions to tree-sitter-javascript's tags.scm: top-level constants, and every identifier as
; a reference (the stock query only tags calls and `new`, which misses a function passed by name, an
; import, a value read). A reference only counts when some file defines the name.

(program
  (lexical_declaration
    (variable_declarator name: (identifier) @name) @definition.constant))

(program
  (export_statement
    declaration: (lexical_declaration
      (variable_declarator name: (identifier) @name) @definition.constant)))

(identifier) @name @reference.identifier

(shorthand_property_identifier) @name @reference.identifier
