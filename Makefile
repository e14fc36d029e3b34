# Local stack and everyday commands. See README.md.
.PHONY: demo test stack-up stack-down stack-status install i18n-extract i18n-update i18n-compile

demo:           ## stack up, demo data for the pilot provinces, portal on :5000
	bash stack/stack.sh demo

test:           ## stack up (services only), then the whole test suite
	bash stack/stack.sh test

stack-up:
	bash stack/stack.sh up

stack-down:
	bash stack/stack.sh down

stack-status:
	bash stack/stack.sh status

install:
	bash stack/stack.sh install

i18n-extract:   ## refresh i18n/ckanext-provincial.pot from code and templates
	.venv/bin/python setup.py extract_messages

i18n-update:    ## merge the .pot into the th and en catalogs
	.venv/bin/python setup.py update_catalog

i18n-compile:   ## .mo files for a dev server (stack/stack.sh install and the docker build compile them too)
	.venv/bin/python setup.py compile_catalog
