# El nombre del idioma tal como lo escriben sus hablantes (#31): el selector de idioma lo
# ofrece con este nombre en todas las páginas ("English", también en una página en español).
language-own-name = Español
