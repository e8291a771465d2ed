# Studio — the two commands a new user needs: `make demo` and `make test`.
# Each creates .venv when missing and installs the project; the second time is fast
# (the install is redone only when pyproject.toml changes).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_OUT ?= demo_out

.PHONY: demo demo-quick test bench studio screenshots venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/studio demo --out $(DEMO_OUT)

demo-quick: $(STAMP)
	$(VENV)/bin/studio demo --out $(DEMO_OUT) --quick

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n 2 --dist loadfile tests

bench: $(STAMP)
	$(VENV)/bin/studio bench --out bench_out

studio: $(STAMP)
	$(VENV)/bin/studio gui $(PROJECT)

screenshots: $(STAMP)
	$(PY) resources/screenshots/make_screenshots.py $(if $(PROJECT),--project $(PROJECT))

clean:
	rm -rf $(VENV) $(DEMO_OUT) *.egg-info
