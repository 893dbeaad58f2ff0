"""The time-to-quality benchmark's table: speed-up to the baseline's loss, quality against Géron, dates."""

from benchmarks import time_to_quality


def test_the_table_gives_the_time_to_the_baselines_loss_and_the_dates_per_model():
    results = {
        "models": {
            "stacked": {
                "measured_at": "2026-11-25T10:00:00+00:00",
                "baseline": {"seconds": 120.0, "final_val_mse": 0.0134, "images_per_second": 9000.0},
                "package": [
                    {
                        "seed": 42,
                        "final_val_mse": 0.0125,
                        "images_per_second": 40000.0,
                        "reached_target_at": {"epoch": 11, "seconds": 20.0},
                    }
                ],
            },
            "recurrent": {
                "measured_at": "2026-12-04T10:00:00+00:00",
                "baseline": {"seconds": 540.0, "final_val_mse": 0.0106, "images_per_second": 1000.0},
                "package": [
                    {"seed": 42, "final_val_mse": 0.0110, "images_per_second": 1400.0, "reached_target_at": None}
                ],
            },
            "kl_sparse": {
                "measured_at": "2026-12-04T10:00:00+00:00",
                "baseline": {"seconds": 50.0, "final_val_mse": 0.0095, "images_per_second": 10000.0},
                "package": [],
            },
        },
        "pca30_val_mse": 0.0157,
        "measured_at": "2026-12-04T12:00:00+00:00",
        "machine": {"cpus": 2, "tensorflow": "2.21.0", "keras": "3.15.1"},
    }
    table = time_to_quality.markdown_table(results)
    assert (
        "| stacked (20 epochs) | 120 s, 0.01340 | 20 s (epoch 11) | 6.0× | 9000 → 40000 | 0.01250 | 0.0132 | 42 |"
        in table
    )
    assert "| recurrent (10 epochs) | 540 s, 0.01060 | not reached | — |" in table
    assert "| kl_sparse (10 epochs) | 50 s, 0.00950 | not measured yet |" in table
    assert "validation MSE 0.01570" in table
    assert "(stacked 2026-11-25, recurrent 2026-12-04, kl_sparse 2026-12-04)" in table


def test_the_epoch_clock_notes_when_the_target_is_first_reached():
    clock = time_to_quality.EpochClock(target=0.012)
    clock.on_train_begin()
    for epoch, loss in enumerate([0.02, 0.0119, 0.0121, 0.011]):
        clock.on_epoch_end(epoch, {"val_mse": loss})
    assert clock.reached_at["epoch"] == 2, f"expected the first epoch at or under the target, 2, got {clock.reached_at}"
    assert [e["val_mse"] for e in clock.epochs] == [0.02, 0.0119, 0.0121, 0.011]
