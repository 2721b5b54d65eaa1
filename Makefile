# The README's commands. Everything runs inside .venv, created on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Test jobs: pytest-xdist workers (2 on the course's 2-core machines).
JOBS   ?= auto
# Commands the tools start by name (jupyter, voila, alembic for nbgrader) come from .venv.
export PATH := $(CURDIR)/$(BIN):$(PATH)

# The student edition that `make lab` opens, and its own Python environment (no reference nnlib in it).
EDITION      := _work/student
EDITION_VENV := _work/student-venv

# Debian packages the tests need: chromium (the browser tests), bubblewrap (the grading
# sandbox), postgresql (a real PostgreSQL gradebook). `make test` installs the missing ones
# as root; as another user it stops at once with the command to run.
DEBIAN_PACKAGES := chromium bubblewrap postgresql

.PHONY: install system-packages demo test crosscheck lab author playground bench clean

$(STAMP): requirements.txt student/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# nnlib and autograder come from this repository only (--no-deps: nothing is fetched by name).
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## The Debian packages the tests need (see DEBIAN_PACKAGES), installed where missing.
system-packages:
	@missing=""; \
	for package in $(DEBIAN_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        echo "installing the Debian packages the tests need:$$missing"; \
	        export DEBIAN_FRONTEND=noninteractive; \
	        apt-get update -qq && apt-get install -y -qq $$missing >/dev/null || exit 1; \
	    else \
	        echo "make test needs the Debian packages$$missing; install them as root, then run make test again:" >&2; \
	        echo "    sudo sh -c 'apt-get update && apt-get install -y$$missing'" >&2; \
	        exit 1; \
	    fi; \
	fi

## The main job.
demo: install
	$(BIN)/python -m autograder demo

## Every test except the PyTorch cross-checks (see `make crosscheck`); installs what the tests need first.
test: system-packages install
	$(BIN)/python -m pytest -n $(JOBS) -m "not crosscheck" --ignore=tests/crosscheck tests

## nnlib against PyTorch CPU; installs torch (CPU build) into .venv first.
crosscheck: install
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pytest -m crosscheck tests/crosscheck

## JupyterLab on the student edition: every chapter as a student gets it, without answers.
lab: install
	$(BIN)/python -m autograder edition --out $(EDITION) --venv $(EDITION_VENV)
	cd $(EDITION) && $(CURDIR)/$(EDITION_VENV)/bin/jupyter lab

## JupyterLab on the source notebooks, answers and hidden tests included (instructors).
author: install
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks

## The Playground, served by Voila on localhost. A kernel whose page is closed is ended once it
## has been idle (no page connected, nothing sent) for PLAYGROUND_IDLE seconds; a page that is
## open keeps its kernel. A page closed while playing stops its run within 10 s (the Playground
## stops when its page stops answering), so its kernel goes idle and is culled too.
PLAYGROUND_IDLE ?= 60
playground: install
	@echo "The Playground: http://127.0.0.1:8866/ (Ctrl+C stops it)"
	$(BIN)/voila notebooks/playground.ipynb --no-browser --Voila.ip=127.0.0.1 --port=8866 --VoilaExecutor.timeout=30 \
		--MappingKernelManager.cull_idle_timeout=$(PLAYGROUND_IDLE) --MappingKernelManager.cull_interval=10

## Benchmarks (print ratios; not tests).
bench: install
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python bench/train_step.py

clean:
	rm -rf _work .pytest_cache .hypothesis
