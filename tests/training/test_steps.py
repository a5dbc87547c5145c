import torch
from torch import nn

from sensor2text.training.steps import optimize


def _reference(model, batches, steps):
    """The plain loop every caller used to write: loss, backward, step, schedule, zero."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 1e-2, total_steps=steps)
    for step in range(steps):
        x, y = batches[step]
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
    return model


def test_optimize_is_the_plain_loop_and_reports_each_step():
    torch.manual_seed(0)
    batches = [(torch.randn(4, 3), torch.randn(4, 2)) for _ in range(6)]
    torch.manual_seed(1)
    reference = _reference(nn.Linear(3, 2), batches, 6)
    torch.manual_seed(1)
    model = nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 1e-2, total_steps=6)
    seen = []
    last = optimize(lambda step: nn.functional.mse_loss(model(batches[step][0]), batches[step][1]), optimizer, 6,
                    scheduler=scheduler, after_step=lambda done, loss: seen.append(done))  # fmt: skip
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), reference.parameters()))
    assert seen == [1, 2, 3, 4, 5, 6] and isinstance(last, float)


def test_optimize_resumes_from_a_step_and_runs_none_past_the_end():
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []
    optimize(lambda step: (steps.append(step), model(torch.ones(1, 1)).sum())[1], optimizer, 5, start=3)
    assert steps == [3, 4]
    assert optimize(lambda step: model(torch.ones(1, 1)).sum(), optimizer, 5, start=5) is None
