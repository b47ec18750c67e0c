# The language's own name, as its speakers write it (#31): the language switch offers it by
# this name on every page ("Español", also on an English page). A new language translates it.
language-own-name = English
