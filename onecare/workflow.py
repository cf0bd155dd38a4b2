"""One way to describe a workflow: a model's states, the steps between them, who takes each, and its tag colours.

Every model whose status changes through transition functions declares its workflow once, next to those functions
(funding.workflow, funding.release_workflow, onecare.ballots.workflow, ...), and the functions, permissions, pages,
admin and templates read from it: which states a step leaves from, where it goes, who may take it, its label, and
the NHS.UK tag colour of each state. The transition functions stay the only code that changes a status; this module
only describes. It imports nothing from the apps, so any of them can use it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

_DECLARED: list["Workflow"] = []


@dataclass(frozen=True)
class Step:
    """One step: its name, the states it leaves from, the state it reaches, who may take it (roles, or named actors
    such as "practice voter"), its label on buttons and in history, and the word a refusal uses ("A plan that is
    submitted cannot be changed"; blank: the target's label, "... cannot be approved")."""

    name: str
    sources: frozenset
    target: Enum
    roles: frozenset
    label: str
    refused_as: str = ""

    @property
    def actors(self) -> frozenset:
        """The same as roles: a workflow whose steps are taken by named actors rather than roles reads better so."""
        return self.roles


class Workflow:
    """A model's workflow: its states (a TextChoices enum), its steps, the tag colour of each state, and how a refusal
    names the record ("A release", "Evidence"). Declared once per model; see declared()."""

    def __init__(
        self, name: str, states: type[Enum], steps: Iterable[Step], *, tags: Mapping[Enum, str], noun: str
    ) -> None:
        self.name = name
        self.states = states
        self.steps: dict[str, Step] = {}
        for step in steps:
            if step.name in self.steps:
                raise ValueError(f"The {name} workflow has two steps called {step.name!r}.")
            self.steps[step.name] = step
        self.tags: dict[Enum, str] = dict(tags)
        self.noun = noun
        _DECLARED.append(self)

    def __repr__(self) -> str:
        return f"<Workflow {self.name}: {', '.join(self.steps)}>"

    def step(self, name: str) -> Step:
        try:
            return self.steps[name]
        except KeyError:
            raise LookupError(f"The {self.name} workflow has no step {name!r}.") from None

    def allows(self, step: str, state) -> bool:
        """The step may be taken from this state."""
        return state in self.step(step).sources

    def steps_from(self, state) -> list[Step]:
        """The steps that may be taken from this state, in the order declared."""
        return [step for step in self.steps.values() if state in step.sources]

    def targets_from(self, state) -> set:
        """The states this state may move to."""
        return {step.target for step in self.steps_from(state)}

    def label_to(self, target) -> str:
        """The label of the step that reaches this state (the last declared, if several do); blank if none does."""
        return {step.target: step.label for step in self.steps.values()}.get(target, "")

    def tag_class(self, state) -> str:
        """The NHS.UK tag colour of the state ("nhsuk-tag--green"); blank for a workflow whose pages show no tag."""
        return self.tags.get(self.states(state), "")

    def refusal(self, step: str, state) -> str:
        """Why the step cannot be taken from the state: "A release that is paid cannot be approved"."""
        rule = self.step(step)
        return (
            f"{self.noun} that is {self.states(state).label.lower()} "
            f"cannot be {rule.refused_as or rule.target.label.lower()}."
        )


def declared() -> list[Workflow]:
    """Every workflow declared so far (each app declares its own when its transition functions are imported)."""
    return list(_DECLARED)
