"""Differential test: the C engine against the NumPy reference of model I.

For each scenario: `pactsim run` writes the C engine's run; `dump_state` (built
in bench/, next to the CLI: build/bench/dump_state) writes the same world's
initial state, parameters, events and random draws; bench/reference/
pactsim_ref.py recomputes the run from them with whole-array NumPy. Every
field owned by a model-I submodel (sanctions, oil, economy, military,
cooperation, promises) and the cover fields the reference also computes
(sanctions reads cover_received) is compared at every month.

Tolerance: max |reference - C| <= 1e-9 x max |C| over the run, per variable.
The reference evaluates the same formulas in another order (NumPy's pairwise
sums, a matrix product for the hostile-supply sums, NumPy's own exp and pow),
so single operations differ by an ulp or so (1e-16), and months of feedback
carry that to at most ~1e-14 in the scenarios below (measured; printed per
variable). An error in a formula, a parameter, a draw or an event shows at
1e-6 or far above (the test checks that a 1% change of one parameter is
caught), so 1e-9 keeps five orders of magnitude between the two. Relative to
the variable's largest value, not elementwise, because values that cancel to
~0 (a finance flow ramping down, a discount at zero) carry the absolute
rounding of their inputs.

Also: the object-per-actor Python version (bench/reference/object_model.py,
timed by the benchmark) gives the reference's state after one step.

Environment: PACTSIM (the CLI), PACTSIM_SOURCE_DIR (the repository).
"""
import copy
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

TOL = 1e-9
GROUP = {"actor": "actor_state", "dyad": "dyad_state", "theater": "theater_state"}
COVER = ("diplomatic_cover", "un_vote", "cover_received")


@pytest.fixture(scope="module")
def env():
    cli = os.environ.get("PACTSIM")
    src = os.environ.get("PACTSIM_SOURCE_DIR")
    if not cli or not src:
        pytest.skip("PACTSIM and PACTSIM_SOURCE_DIR must be set (run through ctest)")
    dump = os.path.join(os.path.dirname(os.path.abspath(cli)), "bench", "dump_state")
    assert os.access(dump, os.X_OK), f"{dump} not built (bench/CMakeLists.txt)"
    sys.path.insert(0, os.path.join(src, "bench", "reference"))
    import pactsim_ref
    return {"cli": cli, "src": src, "dump": dump, "ref": pactsim_ref}


def run_both(env, tmp_path, config, sets=(), replicates=1, replicate=0):
    """The C run (HDF5, one replicate's series) and the dump of that replicate."""
    args = [a for s in sets for a in ("--set", s)]
    out, ddir = tmp_path / "c.h5", tmp_path / "dump"
    p = subprocess.run([env["cli"], "run", config, "-o", str(out), "--replicates", str(replicates),
                        "--quiet", "--force", "--precision", "float64"] + args,  # 1e-9 below
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([env["dump"], config, "-r", str(replicate), "-o", str(ddir)] + args,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    dump = env["ref"].load_dump(str(ddir))
    c = {}
    with h5py.File(out, "r") as f:
        for name in env["ref"].model_i_fields(dump) + list(COVER):
            c[name] = f[GROUP[dump["shape"][name]]][name][replicate]
    return dump, c


def deviations(env, dump, c):
    """Per variable: max |ref - C| / max |C| over every month."""
    res = env["ref"].Reference(dump).run(None, list(c))
    dev = {}
    for name, cv in c.items():
        assert res[name].shape == cv.shape, name
        scale = np.abs(cv).max()
        d = np.abs(res[name] - cv).max()
        dev[name] = d / scale if scale > 0 else (0.0 if d == 0 else np.inf)
    return dev


def report(capsys, title, dump, dev):
    with capsys.disabled():
        print(f"\n{title}: N={dump['n_actors']}, {dump['n_months']} months, worst "
              f"|ref - C| / max|C| per variable (tolerance {TOL:g}):")
        items = sorted(dev.items(), key=lambda kv: -kv[1])
        for k in range(0, len(items), 3):
            print("  " + "".join(f"{n:<28} {v:8.1e}   " for n, v in items[k:k + 3]))


def check(env, capsys, title, dump, c):
    dev = deviations(env, dump, c)
    report(capsys, title, dump, dev)
    owned = {f for f in dump["state"] if dump["owner"][f] in env["ref"].MODEL_I}
    assert owned <= set(dev), "a model-I field is not compared"
    bad = {k: v for k, v in dev.items() if not v <= TOL}
    assert not bad, f"reference and C differ beyond {TOL:g}: {bad}"
    return dev


def test_baseline_whole_run(env, tmp_path, capsys):
    """The baseline over its whole run, replicate 1 of 2 (the draws are keyed by replicate)."""
    cfg = os.path.join(env["src"], "configs", "baseline_2022.yaml")
    dump, c = run_both(env, tmp_path, cfg, replicates=2, replicate=1)
    check(env, capsys, "baseline_2022, replicate 1", dump, c)


def test_history_with_un_votes(env, tmp_path, capsys):
    """1979-2022: UN sanctions votes remove diplomatic cover, which sanctions reads."""
    cfg = os.path.join(env["src"], "configs", "history_1979_2022.yaml")
    dump, c = run_both(env, tmp_path, cfg)
    assert any(e["type"] == "un_sanctions" for e in dump["events"])
    assert c["cover_received"].max() > 0.0
    check(env, capsys, "history_1979_2022", dump, c)


def test_synthetic_world(env, tmp_path, capsys):
    """A synthetic world (bench/gen_world.py): 60 actors, oil sellers, an invasion, a freeze."""
    cfg = tmp_path / "w60.yaml"
    subprocess.run([sys.executable, os.path.join(env["src"], "bench", "gen_world.py"), "60",
                    "--months", "36", "-o", str(cfg)], check=True)
    dump, c = run_both(env, tmp_path, str(cfg))
    check(env, capsys, "synthetic_60", dump, c)


def test_a_wrong_parameter_is_caught(env, tmp_path):
    """The comparison discriminates: 1% more sanctions erosion is far beyond the tolerance."""
    cfg = os.path.join(env["src"], "configs", "baseline_2022.yaml")
    dump, c = run_both(env, tmp_path, cfg, sets=["end=2022-12"])
    bad = copy.deepcopy(dump)
    bad["params"]["sanctions"]["erosion"] *= 1.01
    dev = deviations(env, bad, c)
    assert dev["sanction_intensity"] > 1e3 * TOL
    assert dev["isolation"] > 1e3 * TOL


def test_decision_noise(env, tmp_path, capsys):
    """Promises' delivery noise and cooperation's offer noise are recomputed from the same draws:
    a 1% change of either scale is caught, and with both at 0 the reference (today's equations
    without noise) still matches."""
    cfg = os.path.join(env["src"], "configs", "baseline_2022.yaml")
    dump, c = run_both(env, tmp_path, cfg, sets=["end=2023-12"])
    p = dump["params"]
    assert p["promises"]["delivery_noise"] > 0.0 and p["cooperation"]["offer_noise"] > 0.0
    assert np.abs(dump["promise_delivery_z"]).max() > 0.0 and np.abs(dump["offer_z"]).max() > 0.0
    for model, name, field in (("promises", "delivery_noise", "promise_delivery"),
                               ("cooperation", "offer_noise", "complementarity"),
                               ("cooperation", "offer_noise_persistence", "offer_mood")):
        bad = copy.deepcopy(dump)
        bad["params"][model][name] *= 1.01
        dev = deviations(env, bad, c)
        assert dev[field] > 1e3 * TOL, (name, dev[field])
    quiet = ["end=2023-12", "parameters.promises.delivery_noise=0",
             "parameters.cooperation.offer_noise=0"]
    dump0, c0 = run_both(env, tmp_path, cfg, sets=quiet)
    assert np.abs(dump0["promise_delivery_z"]).max() == 0.0
    assert np.abs(c0["offer_mood"]).max() == 0.0
    check(env, capsys, "baseline_2022 without decision noise", dump0, c0)


def test_decision_noise_threads(env, tmp_path):
    """A 70-actor world (above the 64 at which a step uses its inner threads): one replicate with
    1 and 2 threads is bit-identical, the offer mood (drawn by each thread) and the pledges'
    delivery included."""
    cfg = tmp_path / "w70.yaml"
    subprocess.run([sys.executable, os.path.join(env["src"], "bench", "gen_world.py"), "70",
                    "--months", "24", "-o", str(cfg)], check=True)
    out = {}
    for th in (1, 2):
        out[th] = tmp_path / f"t{th}.h5"
        p = subprocess.run([env["cli"], "run", str(cfg), "-o", str(out[th]), "--replicates", "1",
                            "--threads", str(th), "--quiet", "--force", "--precision", "float64"],
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
    with h5py.File(out[1], "r") as a, h5py.File(out[2], "r") as b:
        assert np.abs(a["dyad_state"]["offer_mood"][:]).max() > 0.0
        for g in GROUP.values():
            for name in a[g]:
                assert np.array_equal(a[g][name][:], b[g][name][:]), (g, name)


def test_economy_war_channels_are_caught(env, tmp_path):
    """Issue 16's economy channels are compared too: 1% more of each moves GDP or reserves
    at least a hundred times the tolerance within the first year of the war."""
    cfg = os.path.join(env["src"], "configs", "baseline_2022.yaml")
    dump, c = run_both(env, tmp_path, cfg, sets=["end=2022-12"])
    for name, field in (("fiscal_multiplier", "gdp"), ("fiscal_lag", "gdp"),
                        ("war_spending_surge", "reserves"), ("war_reserve_share", "reserves"),
                        ("adaptation_max", "gdp"), ("adaptation_rate", "gdp"),
                        ("war_cost_late", "gdp"), ("war_cost_lag", "gdp")):
        bad = copy.deepcopy(dump)
        bad["params"]["economy"][name] *= 1.01
        dev = deviations(env, bad, {field: c[field]})
        assert dev[field] > 1e2 * TOL, (name, dev[field])


def test_object_model_one_step(env, tmp_path):
    """The object-per-actor version's step equals the reference's (no events)."""
    import object_model
    cfg = os.path.join(env["src"], "configs", "baseline_2022.yaml")
    dump, _ = run_both(env, tmp_path, cfg, sets=["end=2022-12"])
    ref, obj = env["ref"].Reference(dump), object_model.World(dump)
    ref.step(events=False)
    obj.step()
    for name in env["ref"].model_i_fields(dump) + ["cover_received"]:
        a, b = ref.cur[name], np.array(obj.field(name, dump["shape"][name]))
        scale = np.abs(a).max()
        assert np.abs(a - b).max() <= TOL * (scale if scale > 0 else 1.0), name


def test_drawn_ceasefires_and_capacity(env, tmp_path, capsys):
    """Issue 16: wars that end by chance (the dump's uniforms) and capacity built for paid orders.

    A high ceasefire hazard ends the Ukraine war in some month after hazard_from_month (7);
    the reference reproduces which month from the dumped draws, and the draws matter: the
    same run with the uniforms of the next month is caught."""
    cfg = os.path.join(env["src"], "configs", "baseline_2022.yaml")
    dump, c = run_both(env, tmp_path, cfg, sets=["end=2024-12",
                                                 "parameters.military.ceasefire_hazard=0.05"])
    rus = dump["actors"].index("RUS")
    th = dump["theaters"].index("ukraine")
    k = c["combat"][:, rus, th]
    assert k[1:7].min() >= 0.8 - 1e-12, "no ceasefire may be drawn before hazard_from_month"
    assert k[-1] < 0.5, "a hazard of 0.05 x (1 + strain + losses) a month ends the war by 2024-12"
    assert c["production_added_munitions"].max() > 0.0, "no capacity was built for paid orders"
    check(env, capsys, "baseline_2022 with ceasefire_hazard 0.05", dump, c)
    bad = copy.deepcopy(dump)
    bad["war_hazard"] = np.roll(bad["war_hazard"], 1, axis=0)
    assert deviations(env, bad, c)["combat"] > 1e3 * TOL


def test_oil_buyers_and_price_response(env, tmp_path, capsys):
    """Per-buyer limits that bind, other price responses and switching speeds, the
    benchmark responding to shut-in supply with the scenario's price path off, and
    outside disruptions (price jumps, stream 12), and general sanctions that close
    only part of the crude trade (sanctions_oil_share)."""
    cfg = os.path.join(env["src"], "configs", "baseline_2022.yaml")
    sets = ["end=2024-12", "parameters.oil.price_path=0", "parameters.oil.price_supply_response=5",
            "parameters.oil.price_jump_rate=0.2", "parameters.oil.price_jump_shortfall=0.04",
            "actors.IND.oil_refinery_limit=0.08", "actors.CHN.oil_refinery_limit=0.2",
            "actors.CHN.oil_price_response=0.5", "actors.TUR.oil_switching_speed=3",
            "parameters.oil.sanctions_oil_share=0.4"]
    dump, c = run_both(env, tmp_path, cfg, sets=sets)
    rus, ind = dump["actors"].index("RUS"), dump["actors"].index("IND")
    check(env, capsys, "baseline_2022, oil buyers, price response", dump, c)
    # The options are in effect: the price leaves the timeline's path, a limit binds.
    assert abs(c["oil_price"][2, rus] - 117.25) > 1.0
    jumps = dump["oil_price_jump"]
    assert (jumps[:, 0] < 0.2).sum() >= 2  # some disruptions happened in the run
    share = c["oil_trade"][:, rus, ind] / c["oil_import_demand"][:, ind]
    assert share.max() <= 0.08 + 1e-12 and share.max() > 0.079
    bad = copy.deepcopy(dump)
    bad["state"]["oil_price_response"] = bad["state"]["oil_price_response"] * 1.01
    assert deviations(env, bad, c)["oil_trade"] > 1e3 * TOL
    bad = copy.deepcopy(dump)
    bad["params"]["oil"]["sanctions_oil_share"] = 1.0  # every package a full oil measure
    assert deviations(env, bad, c)["oil_trade"] > 1e3 * TOL
