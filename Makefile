# Two commands do all the set-up:  `make demo` (install, seed, index, start)  and  `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LLM    := $(VENV)/.llm-server

.PHONY: install demo chat test browser bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0          # the CPU wheel; an unpinned torch pulls CUDA
	$(PY) -m pip install -q -e '.[test,train]'   # train: torch etc. to export and retrain models
	touch $(STAMP)

install: $(STAMP)

# The llm-server extra for tests/llm_server: llama.cpp built from source (~6 min on 2 cores), so `make test` only.
# No multimodal library (LLAVA_BUILD=OFF): the server needs only the text model.
$(LLM): $(STAMP)
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(PY) -m pip install -q -e '.[llm-server]'
	touch $(LLM)

# COPILOT_HOST / COPILOT_PORT (environment or `make demo COPILOT_PORT=8080`) choose where the server listens.
demo: install
	$(BIN)/copilot demo seed
	$(BIN)/copilot kb ingest
	$(BIN)/copilot serve

# The terminal chat instead of the web server.
chat: install
	$(BIN)/copilot demo seed
	$(BIN)/copilot chat --customer demo-debt

test: install browser $(LLM)
	$(PY) -m pytest -n 2 --dist loadgroup

bench: install
	$(BIN)/copilot bench

# Debian's chromium for the browser tests (Playwright's own download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null)) \
	  || echo "chromium not installed: browser tests will be skipped"; }

clean:
	rm -rf $(VENV) data .pytest_cache
