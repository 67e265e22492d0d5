"""Prompt commands: list the prompt library, run its golden cases, show prompt metrics."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from neurolake.cli.context import state
from neurolake.errors import ConfigurationError

PROVIDERS = ("offline", "openai", "anthropic", "ollama")
console = Console()
prompts_app = typer.Typer(help="Prompt templates: list them, test them, see their metrics.", no_args_is_help=True)


@prompts_app.command("list")
def prompts_list() -> None:
    """Every prompt, its versions, and the version the settings choose."""
    from neurolake.llm import PromptLibrary

    library = PromptLibrary.from_settings(state.settings)
    table = Table("prompt", "versions", "in use", "output", "description")
    for name in library.names():
        chosen = library.get(name)
        versions = ", ".join(f"v{v}" for v in library.versions(name))
        table.add_row(name, versions, f"v{chosen.version}", chosen.output_format, chosen.description)
    console.print(table)


@prompts_app.command("test")
def prompts_test(
    provider: str = typer.Option(None, "--provider", "-p", help="offline, openai, anthropic or ollama."),
    prompt: list[str] = typer.Option([], "--prompt", help="Only this prompt (repeatable)."),
    version: str = typer.Option(None, "--version", help="Prompt version to test; default from settings."),
) -> None:
    """Run the golden cases against a provider; exit 1 when any case fails."""
    from neurolake.llm import LLMFactory, PromptLibrary, PromptRunner
    from neurolake.llm.golden import load_golden_cases, run_golden
    from neurolake.llm.metrics import CatalogPromptMetrics

    settings = state.settings
    if provider is not None:
        if provider not in PROVIDERS:
            raise ConfigurationError(f"--provider must be one of {', '.join(PROVIDERS)}, not {provider!r}.")
        settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"provider": provider})})
    library = PromptLibrary.from_settings(settings)
    runner = PromptRunner(
        LLMFactory.from_settings(settings, fallback=False),
        library,
        metrics=CatalogPromptMetrics(state.platform.catalog),
    )
    results = run_golden(runner, load_golden_cases(library, prompt or None), version=version)
    table = Table("prompt", "case", "version", "status", "latency", "tokens", "problems")
    for r in results:
        table.add_row(
            r.case.prompt,
            r.case.name,
            f"v{r.version}",
            r.status,
            f"{r.latency_s:.2f}s",
            str(r.tokens),
            "; ".join(r.failures),
        )
    console.print(table)
    counts = {s: sum(r.status == s for r in results) for s in ("passed", "failed", "error", "skipped")}
    typer.echo(", ".join(f"{n} {s}" for s, n in counts.items()) + f" (provider {runner.provider.name})")
    if counts["failed"] or counts["error"]:
        raise typer.Exit(1)


@prompts_app.command("stats")
def prompts_stats() -> None:
    """Calls, failures, tokens and latency per prompt version, from the catalog."""
    from neurolake.llm.metrics import CatalogPromptMetrics, summarize

    table = Table("prompt", "version", "provider", "model", "calls", "failures", "tokens in/out", "mean latency")
    for s in summarize(CatalogPromptMetrics(state.platform.catalog).calls()):
        table.add_row(
            s.prompt_name,
            f"v{s.prompt_version}",
            s.provider,
            s.model,
            str(s.calls),
            str(s.failures),
            f"{s.input_tokens}/{s.output_tokens}",
            f"{s.mean_latency_s:.2f}s",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``prompts`` command group to ``app``."""
    app.add_typer(prompts_app, name="prompts")
