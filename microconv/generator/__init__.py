"""Seeded, vectorized demo event generator (see `microconv generate --help`)."""

from .simulate import GeneratorConfig
from .writer import FORMATS, GenerationResult, generate

__all__ = ["FORMATS", "GenerationResult", "GeneratorConfig", "generate"]
