"""A PBX simulator that speaks AMI as Asterisk 22 does and makes call traffic for demos, tests and
benchmarks."""

from telephony.simulator.outbound import OriginateRequest
from telephony.simulator.plan import CallPlan, Planner, Scenario, SimulatorConfig
from telephony.simulator.server import PbxSimulator

__all__ = ["CallPlan", "OriginateRequest", "PbxSimulator", "Planner", "Scenario", "SimulatorConfig"]
