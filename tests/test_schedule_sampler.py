import pytest

from core.specs.sections import TrainSpec
from core.training.sampler import StepBatchSampler
from core.training.schedule import learning_rate_at


def test_warmup_then_step_decay():
    spec = TrainSpec(total_steps=100, init_learning_rate=0.1, warmup_steps=10, warmup_learning_rate=0.0,
                     learning_rate_steps=[50, 80], learning_rate_decay_levels=[0.1, 0.01])
    assert learning_rate_at(0, spec) == 0.0
    assert learning_rate_at(5, spec) == pytest.approx(0.05)
    assert learning_rate_at(10, spec) == pytest.approx(0.1)
    assert learning_rate_at(49, spec) == pytest.approx(0.1)
    assert learning_rate_at(50, spec) == pytest.approx(0.01)
    assert learning_rate_at(99, spec) == pytest.approx(0.001)


def test_warmup_then_cosine_to_zero_ignores_the_decay_steps():
    spec = TrainSpec(total_steps=110, init_learning_rate=0.1, warmup_steps=10, warmup_learning_rate=0.0,
                     learning_rate_schedule="cosine", learning_rate_steps=[50], learning_rate_decay_levels=[0.1])
    assert learning_rate_at(5, spec) == pytest.approx(0.05)
    assert learning_rate_at(10, spec) == pytest.approx(0.1)
    assert learning_rate_at(35, spec) == pytest.approx(0.05 * (1 + 2 ** -0.5))
    assert learning_rate_at(60, spec) == pytest.approx(0.05)            # half way: half the rate, no step at 50
    assert learning_rate_at(110, spec) == pytest.approx(0.0, abs=1e-12)
    rates = [learning_rate_at(s, spec) for s in range(10, 111)]
    assert all(a >= b for a, b in zip(rates, rates[1:]))


def test_batches_are_a_function_of_the_step():
    full = list(StepBatchSampler(10, 3, seed=1, start_step=0, total_steps=12))
    resumed = list(StepBatchSampler(10, 3, seed=1, start_step=7, total_steps=12))
    assert resumed == full[7:]
    other_seed = list(StepBatchSampler(10, 3, seed=2, start_step=0, total_steps=12))
    assert other_seed != full


def test_each_epoch_covers_the_data_once():
    s = StepBatchSampler(9, 3, seed=0, start_step=0, total_steps=6)
    first_epoch = [i for b in list(s)[:3] for i, _ in b]
    assert sorted(first_epoch) == list(range(9))
    assert s.epoch_of(3) == 1


def test_tiny_datasets_fill_a_batch():
    s = StepBatchSampler(2, 4, seed=0, start_step=0, total_steps=1)
    assert len(next(iter(s))) == 4
