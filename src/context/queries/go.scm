; Warden's additions to tree-sitter-go's tags.scm: package-level constants and variables as definitions,
; and every identifier and field name as a reference. A reference only counts when some file defines it.

(source_file (const_declaration (const_spec name: (identifier) @name) @definition.constant))

(source_file (var_declaration (var_spec name: (identifier) @name) @definition.variable))

(identifier) @name @reference.identifier

(field_identifier) @name @reference.identifier
