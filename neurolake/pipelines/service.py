"""Pipelines: what the API and the CLI call to create, change, run and list them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from neurolake.catalog.models import Pipeline, PipelineRun, User, utcnow
from neurolake.pipelines import store
from neurolake.pipelines.definition import PipelineDefinitionError, PipelineSpec, PipelineUpdate, check_merge_keys
from neurolake.pipelines.questions import sql_for_question
from neurolake.pipelines.runner import PipelineRunner

if TYPE_CHECKING:
    from neurolake.intent.parser import IntentParser
    from neurolake.platform import NeuroLake


class PipelineService:
    """Pipelines of one deployment; every query is checked (read-only, tables exist) when stored."""

    def __init__(
        self, platform: NeuroLake, *, runner: PipelineRunner | None = None, parser: IntentParser | None = None
    ) -> None:
        self.platform = platform
        self.catalog = platform.catalog
        self.runner = runner or PipelineRunner(platform.catalog, platform.engine, platform.storage)
        self._parser = parser

    def create(self, spec: PipelineSpec, *, owner: User | None = None) -> Pipeline:
        """Store a new pipeline; a question is turned into SQL now, so every run runs the same query."""
        sql = self._checked_sql(spec.sql, spec.question)
        with self.catalog.session() as session:
            return store.create_pipeline(session, spec, sql=sql, owner_id=owner.id if owner is not None else None)

    def update(self, name: str, changes: PipelineUpdate) -> Pipeline:
        """Change the fields ``changes`` sets; a new question or SQL is checked like at creation."""
        # null for a field that cannot be empty means "leave it as it is".
        fields = {
            k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None or k == "description"
        }
        if "sql" in fields or "question" in fields:
            fields["sql"] = self._checked_sql(fields.get("sql"), fields.get("question"))
            fields["question"] = fields.get("question")
        with self.catalog.session() as session:
            pipeline = store.require_pipeline(session, name)
            mode = fields.get("mode", pipeline.definition.get("mode", "append"))
            if mode != "merge":
                fields.setdefault("merge_keys", [])
            try:
                check_merge_keys(mode, list(fields.get("merge_keys", pipeline.definition.get("merge_keys") or [])))
            except ValueError as e:
                raise PipelineDefinitionError(str(e)) from e
            return store.update_pipeline(session, pipeline, fields)

    def delete(self, name: str) -> None:
        with self.catalog.session() as session:
            store.delete_pipeline(session, store.require_pipeline(session, name))

    def get(self, name: str) -> Pipeline:
        with self.catalog.session() as session:
            return store.require_pipeline(session, name)

    def all(self) -> list[Pipeline]:
        with self.catalog.session() as session:
            return store.list_pipelines(session)

    def runs(self, name: str, *, limit: int = 50) -> list[PipelineRun]:
        with self.catalog.session() as session:
            return store.list_runs(session, store.require_pipeline(session, name), limit=limit)

    def run(self, name: str, *, user: User | None = None, trigger: str = "manual") -> PipelineRun:
        """Run ``name`` now; a failed run is returned (status failed), not raised."""
        return self.runner.run(name, trigger=trigger, user=user)

    def run_due(self, now: datetime | None = None) -> list[PipelineRun]:
        """Run every active pipeline whose schedule says it is due; each is claimed first, so
        two schedulers (the API's thread and a cron job) never run the same slot twice."""
        moment = now or utcnow()
        with self.catalog.session() as session:
            due = store.due_pipelines(session, moment)
        runs = []
        for pipeline in due:
            with self.catalog.session() as session:
                claimed = store.claim(session, pipeline, moment)
            if claimed:
                runs.append(self.run(pipeline.name, trigger="schedule"))
        return runs

    def parser(self) -> IntentParser:
        """The intent parser questions go through (the deployment's, built on first need)."""
        if self._parser is None:
            # One parser (and one embedding model) per process: reuse the conversations' if built.
            conversations = vars(self.platform).get("conversations")
            if conversations is not None and getattr(conversations, "parser", None) is not None:
                self._parser = conversations.parser
            else:
                from neurolake.intent.parser import IntentParser

                self._parser = IntentParser.from_platform(self.platform)
        return self._parser

    def _checked_sql(self, sql: str | None, question: str | None) -> str:
        query = sql if sql is not None else sql_for_question(self.parser(), question or "")
        # explain() refuses anything but a read-only query and checks its tables and columns.
        self.platform.engine.explain(query)
        return query
