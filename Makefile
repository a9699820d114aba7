# One task runner for shipspec. `make demo` and `make test` install what they need.
VENV := .venv
BIN := $(VENV)/bin
EXAMPLES := $(basename $(notdir $(wildcard examples/*.yaml)))

.PHONY: bootstrap demo test lint goldens bench

bootstrap:
	@./scripts/bootstrap

## The main job on the bundled example: validate → plan → generate → preview.
demo: bootstrap
	$(BIN)/shipspec validate examples/shop.yaml
	$(BIN)/shipspec plan examples/shop.yaml --env prod
	@mkdir -p build/demo && cp examples/shop.yaml build/demo/handoff.yaml  # the spec lives in the repository it generates
	$(BIN)/shipspec generate build/demo/handoff.yaml -o build/demo --force
	$(BIN)/shipspec preview build/demo --env prod

## The whole test suite, the linters, and the golden-file check: one pytest worker per core
## (pytest-xdist), each test file's tests on one worker, so a file's fixtures run once.
test: bootstrap
	$(BIN)/python -m pytest -n auto --dist loadfile
	$(BIN)/ruff check src tests bench blueprints
	$(BIN)/ruff format --check src tests bench blueprints
	$(BIN)/mypy src

## Regenerate stacks/<example>/ from examples/<example>.yaml (review the diff, then commit).
goldens: bootstrap
	@for ex in $(EXAMPLES); do $(BIN)/shipspec generate examples/$$ex.yaml -o stacks/$$ex --spec-path ../../examples/$$ex.yaml --force >/dev/null && echo "stacks/$$ex"; done

bench: bootstrap
	$(BIN)/python bench/run.py
