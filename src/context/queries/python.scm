; Warden's additions to tree-sitter-python's tags.scm: every identifier as a reference (the stock query
; only tags calls, which misses imports, base classes, decorators and names passed as values). A
; reference only counts when some file defines the name.

(identifier) @name @reference.identifier
