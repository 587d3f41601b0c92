#!/usr/bin/python3
"""NumPy reference implementation of the model-I step (issue 8, item 2).

    pactsim_ref.py DUMP_DIR [-o OUT.npz] [--months M]

One month of the six model-I submodels (sanctions, oil, economy, military,
cooperation, promises; models/*.c, docs/ODD.md 7.1-7.6), written again from the
C code as whole-array NumPy operations, plus the diplomatic cover formula
(models/cover.c), the one model-II output a model-I submodel reads
(sanctions reads cover_received). The other model-II submodels (alignment,
leverage, agreements, clients, strikes) write only their own fields, which no
model-I submodel reads, so they are left out, and so are their events.

Input: a directory written by `dump_state` (bench/dump_state.c): every field's
initial state after the models' init, the parameters, the timeline events and
the random draws the C models make (economy's growth shocks, oil's price
shock, military's war-hazard uniforms, the standard normals behind promises'
delivery factors and cooperation's offer mood), so both sides use the same numbers. The models' private data (oil's
2021 reference shares and closures, cooperation's anchors, military's reference
commitments, economy's oil revenue and strain bases, fiscal reference, adapted
pressure and lagged strain) is derived here from that initial
state, as the models' init functions derive it.

A month follows ps_world_step: next := cur; each model's step reads cur and
writes next; the month's events (file order) act on next; the models' settle
(sanctions: isolation, threat and pressure from the month's intensities); swap. `run()`
returns every field at the end of every month, shaped as the HDF5 output
(months x N, months x N x N, months x N x T).

Loops are over materiel categories, theaters, months and bisection
iterations; never over actors or dyads.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

MATERIEL = ("drones", "munitions", "air_defense", "aircraft")
U_MAX = 50.0

# The fields the six model-I submodels own (compared by the differential test).
MODEL_I = ("sanctions", "oil", "economy", "military", "cooperation", "promises")


def load_dump(path):
    """index.json and arrays of a dump_state directory."""
    with open(os.path.join(path, "index.json")) as f:
        idx = json.load(f)
    n, nt = idx["n_actors"], idx["n_theaters"]
    shapes = {"actor": (n,), "dyad": (n, n), "theater": (n, nt)}
    state, owner, shape = {}, {}, {}
    for fd in idx["fields"]:
        a = np.fromfile(os.path.join(path, fd["file"]), dtype="<f8")
        state[fd["name"]] = a.reshape(shapes[fd["shape"]]).astype(np.float64)
        owner[fd["name"]] = fd["model"]
        shape[fd["name"]] = fd["shape"]
    d = idx["draws"]
    shock = np.fromfile(os.path.join(path, d["economy_shock"]["file"]), dtype="<f8")
    eps = np.fromfile(os.path.join(path, d["oil_price_shock"]["file"]), dtype="<f8")
    haz = np.fromfile(os.path.join(path, d["war_hazard"]["file"]), dtype="<f8")
    idx["economy_shock"] = shock.reshape(d["economy_shock"]["shape"])
    idx["oil_price_shock"] = eps.reshape(d["oil_price_shock"]["shape"])
    idx["war_hazard"] = haz.reshape(d["war_hazard"]["shape"])
    for k in ("promise_delivery_z", "offer_z", "leader"):
        z = np.fromfile(os.path.join(path, d[k]["file"]), dtype="<f8")
        idx[k] = z.reshape(d[k]["shape"])
    jump = np.fromfile(os.path.join(path, d["oil_price_jump"]["file"]), dtype="<f8")
    idx["oil_price_jump"] = jump.reshape(d["oil_price_jump"]["shape"])
    idx["state"], idx["owner"], idx["shape"] = state, owner, shape
    return idx


def model_i_fields(dump):
    return [f for f in dump["state"] if dump["owner"][f] in MODEL_I]


def clamp01(x):
    return np.minimum(1.0, np.maximum(0.0, x))


def clip_exp(u):
    return np.exp(np.minimum(U_MAX, np.maximum(-U_MAX, u)))


def weight(w0, floor, E):
    """Oil logit weight of a route (models/oil.c weight())."""
    return np.where(E <= 1.0, w0 * E, w0 + np.maximum(w0, floor) * (E - 1.0))


def free_share(a, den, L, A):
    """A route's share of its buyer given the capped routes' limits L and
    weights A (models/oil.c free_share()); infinite when nothing is free."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den - A > 0.0, (1.0 - L) * a / (den - A), np.inf)


def capped_sums(wt, den, limit, offered, may, passes):
    """Capped logit (models/oil.c capped_sums()): per buyer, the limits and
    weights of the routes whose share would pass their limit, grown pass by
    pass until no buyer's count of capped routes changes."""
    L, A = np.zeros(den.shape), np.zeros(den.shape)
    cnt = np.zeros(den.shape, dtype=int)
    for _ in range(passes):
        c = offered & may[None, :] & (free_share(wt, den[None, :], L[None, :], A[None, :]) > limit)
        nc = c.sum(axis=0)
        changed = (nc != cnt).any()
        L, A, cnt = np.where(c, limit, 0.0).sum(axis=0), np.where(c, wt, 0.0).sum(axis=0), nc
        if not changed:
            break
    return L, A


def offdiag(a):
    b = a.copy()
    np.fill_diagonal(b, 0.0)
    return b


class Reference:
    def __init__(self, dump):
        self.d = dump
        self.n, self.nt = dump["n_actors"], dump["n_theaters"]
        self.host = np.array(dump["theater_host"], dtype=int)
        self.p = dump["params"]
        self.cur = {k: v.copy() for k, v in dump["state"].items()}
        self.events = dump["events"]
        self.month = 0
        self._init_private()

    # ------------------------------------------------------------ init
    def _init_private(self):
        """The models' private data, from the state after every init."""
        c, n, p = self.cur, self.n, self.p["oil"]
        # oil_init: 2021 shares, closures and outside options. Column n is the
        # rest-of-world pseudo-buyer. Matrices are [seller, buyer].
        p0 = c["oil_price"][0]
        trade, rest, dem = c["oil_trade"], c["oil_rest_exports"], c["oil_import_demand"]
        self.delta0 = c["oil_discount"] / p0
        self.rest_demand = max(p["rest_of_world_imports"], rest.sum())
        D = np.append(dem, self.rest_demand)
        now = np.concatenate([offdiag(trade), rest[:, None]], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.w0 = np.where(D[None, :] > 0.0, now / D[None, :], 0.0)
        self.w0[np.arange(n), np.arange(n)] = 0.0
        self.xd0 = self._closure_dyad(c["sanction_intensity"])
        self.x0 = clamp01(self.xd0 + self._closure_risk(c["secondary_threat"], c["isolation"],
                                                        c["sanction_pressure"]))
        self.x0[np.arange(n), np.arange(n)] = 0.0
        self.out0 = np.maximum(1.0 - self.w0.sum(axis=0), p["share_floor"])
        self.anchored = False
        # Per-buyer limits on one seller (2021 share if larger; the rest of the
        # world has none), switching rates and price responses; column n: ROW.
        lim = np.append(c["oil_refinery_limit"], 1.0)
        self.limit = np.maximum(lim[None, :], self.w0)
        self.limit[:, n] = 1.0
        self.rate = np.minimum(1.0, p["switching_rate"] * np.append(c["oil_switching_speed"], 1.0))
        self.resp = np.append(c["oil_price_response"], 1.0)
        self.shut = self._shut_in(c)
        self.dem0 = dem.copy()  # the buyers' base imports (oil_demand events hold a month)
        self.a = np.zeros((n, n + 1))  # the month's cost factors E, for _set_demand
        # economy_init: the oil revenue base is taken in month 1.
        self.oil_base = np.zeros(n)
        self.base_set = False
        # ... and so is the strain base; the fiscal reference, the adapted
        # pressure (set in month 0) and the lagged strain start at 0.
        self.strain_base = np.zeros(n)
        self.fiscal_ref = np.zeros(n)
        self.adapted = np.zeros(n)
        self.strain_lagged = np.zeros(n)
        self.gdp_rest = np.zeros(n)  # GDP less the oil revenue counted in it (set in month 0)
        # The current account's base (month 0's balance and unadapted pressure).
        self.ca_base = np.zeros(n)
        self.oil_initial = np.zeros(n)
        self.unadapted_base = np.zeros(n)
        # military_init: reference commitments for retained_share; the internal
        # months at war and capacity under construction start at 0.
        self.base = c["commitment"].copy()
        self.war_months = np.zeros((n, self.nt))
        self.building = {k: np.zeros(n) for k in MATERIEL}
        # coop_init: anchors (cooperation already symmetrised in cur), rivalry
        # and sanctions the pairs are used to.
        self.anchor = c["cooperation"].copy()
        self.riv0 = c["rivalry"].copy()
        self.sanc0 = c["sanction_intensity"].copy()

    def _closure_dyad(self, s_int):
        """[s, b]: the share sanctions_oil_share of the relations closed either
        way; 0 for the rest of the world."""
        n = self.n
        x = np.zeros((n, n + 1))
        x[:, :n] = self.p["oil"]["sanctions_oil_share"] * (1.0 - (1.0 - s_int.T) * (1.0 - s_int))
        return x

    def _shut_in(self, c):
        """Share of world crude trade the modelled sellers leave unsold."""
        idle = np.maximum(0.0, c["oil_export_capacity"] - c["oil_export_volume"]).sum()
        world = self.rest_demand + c["oil_import_demand"].sum()
        return min(1.0, idle / world) if world > 0.0 else 0.0

    def _closure_risk(self, threat, iso, press):
        p = self.p["oil"]
        risk = p["secondary_fear"] * threat + p["isolation_friction"] * press  # per seller
        x = np.empty((self.n, self.n + 1))
        x[:, :self.n] = risk[:, None] * (1.0 - iso[None, :])
        x[:, self.n] = p["rest_compliance"] * iso + risk
        return x

    # ------------------------------------------------------------ sanctions
    def _sanction_weights(self, gdp):
        total = gdp.sum()
        others = total - gdp
        pos = others > 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return offdiag(np.where(pos[None, :], gdp[:, None] / others[None, :], 0.0))  # [j, i]

    def sanctions(self, cur, nxt):
        """The step: evasion from state t's isolation and threat, erosion."""
        p = self.p["sanctions"]
        s, s2 = cur["sanction_intensity"], cur["secondary_sanctions"]
        ev, iso, threat = cur["evasion"], cur["isolation"], cur["secondary_threat"]
        W = self._sanction_weights(cur["gdp"])
        shield = cur["cover_shield"]
        fear = np.minimum(1.0, p["secondary_fear"] * threat[None, :] * (1.0 - iso[:, None]))
        channel = (W * (1.0 - s) * (1.0 - fear)).sum(axis=0)
        ev_max = p["evasion_max"] + (1.0 - p["evasion_max"]) * shield
        target = np.where(iso > 0.0, ev_max * np.minimum(1.0, channel), 0.0)
        nxt["evasion"] = ev + p["evasion_adjust"] * (target - ev)
        # A sender enforcing secondary sanctions around i erodes its own more slowly.
        nxt["sanction_intensity"] = s * (1.0 - p["erosion"] * (1.0 - p["enforcement"] * s2))
        nxt["secondary_sanctions"] = s2 * (1.0 - p["erosion"])

    def sanctions_settle(self, cur, nxt):
        """After the month's events: isolation, threat and pressure from the month's intensities."""
        W = self._sanction_weights(cur["gdp"])
        isol = np.minimum(1.0, (W * nxt["sanction_intensity"]).sum(axis=0))
        nxt["isolation"] = isol * (1.0 - cur["cover_shield"])
        nxt["secondary_threat"] = np.minimum(1.0, (W * nxt["secondary_sanctions"]).sum(axis=0))
        nxt["sanction_pressure"] = nxt["isolation"] * (1.0 - nxt["evasion"])

    # ------------------------------------------------------------ oil
    def oil(self, cur, nxt, eps):
        p, n = self.p["oil"], self.n
        tau, dmax, phi = p["price_sensitivity"], p["max_discount"], p["share_floor"]
        cap, dem, disc = cur["oil_export_capacity"], cur["oil_import_demand"], cur["oil_discount"]
        rest, trade = cur["oil_rest_exports"], cur["oil_trade"]
        # 1. Benchmark (scalar: libm, as in C).
        P = cur["oil_price"][0]
        occurs, size = self.d["oil_price_jump"][self.month]
        if occurs < p["price_jump_rate"]:  # an outside disruption: psi x the share lost
            eps = eps + p["price_supply_response"] * 2.0 * p["price_jump_shortfall"] * size
        S = self._shut_in(cur)
        Pn = math.exp(math.log(P) + p["price_reversion"] * (math.log(p["price_long_run"]) -
                                                             math.log(P)) + eps +
                      p["price_supply_response"] * (S - self.shut))
        self.shut = S
        Pn = min(300.0, max(5.0, Pn))
        nxt["oil_price"] = np.full(n, Pn)
        # 2. Buyers' cost changes at current discounts.
        D = np.append(dem, self.rest_demand)
        risk = self._closure_risk(cur["secondary_threat"], cur["isolation"],
                                  cur["sanction_pressure"])
        if not self.anchored and self.month >= 1:
            self.x0 = clamp01(self.xd0 + risk)
            self.anchored = True
        offered = (cap[:, None] > 0.0) & (D[None, :] > 0.0)
        offered[np.arange(n), np.arange(n)] = False
        dc = np.minimum(dmax, disc / P)
        x = clamp01(self._closure_dyad(cur["sanction_intensity"]) + risk)
        m = self.resp[None, :]
        u = (m * (dc - self.delta0)[:, None] - p["sanction_penalty"] * (x - self.x0)) / tau
        a = np.where(offered, clip_exp(u), 0.0)
        # A route's floor shrinks with its closure at the reference (floor_openness).
        fl = phi * (1.0 - p["floor_openness"] * self.x0)
        den = self.out0 + weight(self.w0, fl, a).sum(axis=0)
        now = np.concatenate([offdiag(trade), rest[:, None]], axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            sh = now / D[None, :]
        rate = self.rate[None, :]
        # Oil embargoes: buyer b's law caps its share from seller s at
        # (1 - e_bs) max(w0_sb, phi) (infinite without one; ROW has none).
        e = np.concatenate([cur["oil_embargo"].T, np.zeros((n, 1))], axis=1)
        ecap = np.where(e > 0.0, (1.0 - e) * np.maximum(self.w0, phi), np.inf)
        limit = np.minimum(self.limit, ecap)
        # Capped logit: the buyers' capped routes at the current discounts.
        may = np.append((cur["oil_refinery_limit"] < 1.0) | (cur["oil_embargo"] > 0.0).any(axis=1),
                        False)
        wt = weight(self.w0, fl, a)
        capL, capA = capped_sums(wt, den, limit, a > 0.0, may, n + 1)
        capped = free_share(wt, den[None, :], capL[None, :], capA[None, :]) > limit
        # 3. Sellers: bisection for the clearing discount, all sellers at once;
        # each seller's buyers hold their other capped routes (its own taken out).
        rest_den = np.where(capped, den - capA, den - capA - wt)
        free = np.where(capped, 1.0 - (capL - limit), 1.0 - capL)

        def target_sales(delta):
            # Short-run requests: capped target shares reached at each buyer's rate.
            g = clip_exp(m * (delta - dc)[:, None] / tau)
            a1 = weight(self.w0, fl, a * g)
            dd = rest_den + a1
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(dd > 0.0, np.minimum(limit, free * a1 / dd), 0.0)
                q = np.where(a > 0.0, D[None, :] *
                             np.maximum(0.0, np.minimum(ecap, sh + rate * (t - sh))), 0.0)
            return q.sum(axis=1)

        zero, full = np.zeros(n), np.full(n, dmax)
        at0, atmax = target_sales(zero), target_sales(full)
        lo, hi = zero.copy(), full.copy()
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            below = target_sales(mid) < cap
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        star = np.where(at0 >= cap, 0.0, np.where(atmax <= cap, dmax, 0.5 * (lo + hi)))
        delta_new = np.where(cap > 0.0, dc + p["discount_adjust"] * (star - dc), dc)
        # 4. Buyers: target shares at the new discounts, move toward them.
        a = np.where(a > 0.0, a * clip_exp(m * (delta_new - dc)[:, None] / tau), a)
        den = self.out0 + weight(self.w0, fl, a).sum(axis=0)
        wt = weight(self.w0, fl, a)
        capL, capA = capped_sums(wt, den, limit, a > 0.0, may, n + 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            tgt = np.minimum(limit, free_share(wt, den[None, :], capL[None, :], capA[None, :]))
            req = D[None, :] * np.maximum(0.0, np.minimum(ecap, sh + rate * (tgt - sh)))
        req = np.where((D[None, :] <= 0.0) | ((a <= 0.0) & (now <= 0.0)), 0.0, req)
        # 5. Sellers ration requests to capacity.
        asked = req.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where((asked > cap) & (asked > 0.0), cap / asked, 1.0)
        tn = offdiag(req[:, :n] * f[:, None])
        sold = tn.sum(axis=1)
        rest_n = req[:, n] * f
        vol = sold + rest_n
        disc_n = delta_new * Pn
        nxt["oil_trade"] = tn
        nxt["oil_rest_exports"] = rest_n
        nxt["oil_export_volume"] = vol
        nxt["oil_discount"] = disc_n
        nxt["oil_export_revenue"] = vol * 1000.0 * 365.0 * (Pn - disc_n)
        # 5b. A buyer whose imports an oil_demand event set returns to its base.
        self.a = a
        for b in np.flatnonzero(nxt["oil_import_demand"] != self.dem0):
            self._set_demand(cur, nxt, b, self.dem0[b])
        nxt["rivalry"] = self._rivalry(nxt["oil_trade"])

    def _set_demand(self, cur, nxt, b, D):
        """Buyer b imports D: the change shared among its sellers (weights v E when
        it buys more, v / E when it buys less) and the outside option (weight: what
        it left to unmodelled suppliers), then each seller's capacity: its
        rest-of-world sales give way first, then b's purchases."""
        trade, dem = nxt["oil_trade"], nxt["oil_import_demand"]
        old, v = dem[b], trade[:, b]
        if old > 0.0:
            dD = D - old
            E = np.maximum(self.a[:, b], 1e-6)
            pos = v > 0.0
            w = np.where(pos, v * E if dD > 0.0 else v / E, 0.0)
            W = w.sum() + max(0.0, old - v[pos].sum())
            if W > 0.0:
                v[:] = np.where(pos, np.maximum(0.0, v + dD * w / W), v)
                held = v.sum()
                if held > D:  # a cut deeper than the weights take: scaled down to D
                    v *= D / held if D > 0.0 else 0.0
        dem[b] = D
        cap, rest = cur["oil_export_capacity"], nxt["oil_rest_exports"]
        other = trade.sum(axis=1) - v
        v[:] = np.minimum(v, np.maximum(0.0, cap - other))
        rest[:] = np.minimum(rest, np.maximum(0.0, cap - other - v))
        vol = other + v + rest
        nxt["oil_export_volume"] = vol
        nxt["oil_export_revenue"] = vol * 1000.0 * 365.0 * (nxt["oil_price"][0] -
                                                            nxt["oil_discount"])

    def _rivalry(self, tn):
        """Overlap of sales to the same buyers (sellers with sales only)."""
        n = self.n
        sold = tn.sum(axis=1)
        riv = np.zeros((n, n))
        act = np.flatnonzero(sold > 0.0)
        if act.size:
            T = tn[act]
            o = np.empty((act.size, act.size))
            for k0 in range(0, act.size, 64):
                o[k0:k0 + 64] = np.minimum(T[k0:k0 + 64, None, :], T[None, :, :]).sum(axis=2)
            m = np.minimum(sold[act][:, None], sold[act][None, :])
            r = np.minimum(1.0, o / m)
            np.fill_diagonal(r, 0.0)
            riv[np.ix_(act, act)] = r
        return riv

    # ------------------------------------------------------------ economy
    def economy(self, cur, nxt, shock):
        p = self.p["economy"]
        gdp, g, pot = cur["gdp"], cur["gdp_growth"], cur["potential_growth"]
        res, ca, pr = cur["reserves"], cur["current_account"], cur["sanction_pressure"]
        oil = cur["oil_export_revenue"]
        strain = cur["military_strain"]
        if not self.base_set:
            if self.month == 1:
                self.oil_base = oil.copy()
                self.strain_base = strain.copy()
            self.base_set = self.month >= 1
        windfall = oil - self.oil_base if self.base_set else np.zeros(self.n)
        fin = cur["finance_flow"] + cur["promise_delivery"]
        inflow_f, outflow_f = fin.sum(axis=0), fin.sum(axis=1)
        # War above the month-1 strain: extra military spending, its share of
        # GDP against its recent level (the fiscal impulse), the lagged strain.
        excess = np.maximum(0.0, strain - self.strain_base) if self.base_set else np.zeros(self.n)
        extra = p["war_spending_surge"] * cur["military_capacity_base"] * excess
        nxt["military_spending_extra"] = extra
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(gdp > 0.0, extra / gdp, 0.0)
        tau_f = p["fiscal_lag"]
        impulse = p["fiscal_multiplier"] * (12.0 / tau_f) * (share - self.fiscal_ref)
        lagged = self.strain_lagged
        self.fiscal_ref = self.fiscal_ref + (share - self.fiscal_ref) / tau_f
        self.strain_lagged = lagged + (excess - lagged) / p["war_cost_lag"]
        # Adaptation: month 0's pressure counts as adapted to.
        amax = p["adaptation_max"]
        pa = amax * pr if self.month == 0 else self.adapted
        self.adapted = pa + p["adaptation_rate"] * (amax * pr - pa)
        unadapted = np.maximum(0.0, pr - pa)
        if self.month == 0:
            self.ca_base = ca.copy()
            self.oil_initial = oil.copy()
            self.unadapted_base = unadapted.copy()
        with np.errstate(divide="ignore", invalid="ignore"):
            oil_term = np.where(gdp > 0.0, p["oil_growth_gain"] * windfall / gdp, 0.0)
        target = (pot - p["sanction_elasticity"] * unadapted
                  - p["war_cost"] * strain + oil_term + impulse - p["war_cost_late"] * lagged)
        gi = p["growth_persistence"] * g + (1.0 - p["growth_persistence"]) * target + shock
        gi = np.maximum(-0.5, np.minimum(0.5, gi))
        nxt["gdp_growth"] = gi
        # Growth moves the rest of the economy; the oil revenue's share of GDP
        # moves with the oil market.
        k_oil = p["oil_revenue_in_gdp"]
        rest = gdp - k_oil * oil if self.month == 0 else self.gdp_rest
        self.gdp_rest = rest * np.power(1.0 + gi, 1.0 / 12.0)
        nxt["gdp"] = self.gdp_rest + k_oil * oil if k_oil > 0.0 else self.gdp_rest
        # Current account: the base, the commodity revenue above the initial
        # state's, imports lost to the unadapted pressure above month 0's (at most all).
        cut = np.minimum(1.0, p["import_compression"] * np.maximum(0.0, unadapted - self.unadapted_base))
        ca_usd = (self.ca_base * gdp + p["commodity_export_scale"] * (oil - self.oil_initial)
                  + p["import_share"] * cut * gdp)
        with np.errstate(divide="ignore", invalid="ignore"):
            ca_n = np.where(gdp > 0.0, np.clip(ca_usd / gdp, -0.5, 0.5), self.ca_base)
        nxt["current_account"] = ca_n
        # Reserves keep ca_reserve_share of the balance less the crude windfall
        # and the saved windfall; that pays the extra spending first; of the
        # rest a share comes out of reserves.
        saved = p["windfall_saving"] * windfall
        covered = np.minimum(extra, np.maximum(0.0, saved))
        inflow = (p["ca_reserve_share"] * (ca_n * gdp - windfall) + saved - covered - p["war_reserve_share"] * (extra - covered)
                  + inflow_f - outflow_f)
        res_n = np.maximum(0.0, res * (1.0 - p["reserve_drawdown"] * pr) + inflow / 12.0)
        lend = res_n * p["lend_share"] * (1.0 - pr)
        need = gdp * p["finance_gap"] * pr
        nxt["reserves"] = res_n
        nxt["lending_capacity"] = lend
        nxt["finance_need"] = need
        nxt["finance_spare"] = np.maximum(0.0, lend - need)

    # ------------------------------------------------------------ military
    def military(self, cur, nxt):
        p, n, nt = self.p["military"], self.n, self.nt
        a, b, thr = p["strain_deploy"], p["strain_combat"], p["strain_threshold"]
        c0, combat, interest = cur["commitment"], cur["combat"], cur["interest"]
        cap = cur["military_capacity"]
        dmg = cur["war_damage"] if "war_damage" in cur else np.zeros(n)
        # Military expenditure: the peacetime budget follows GDP's growth (a
        # constant burden; no damage in the reference's worlds), the war's extra
        # spending of state t comes on top.
        base_n = cur["military_capacity_base"] * np.power(1.0 + cur["gdp_growth"], 1.0 / 12.0)
        nxt["military_capacity_base"] = base_n
        nxt["military_capacity"] = base_n + cur["military_spending_extra"]
        working = 1.0 - dmg
        # Wars (state t): attacker and host both fighting at war_combat_min or more.
        kmin = p["war_combat_min"]
        war = np.zeros((n, nt), dtype=bool)
        foe = np.zeros((n, n), dtype=bool)
        for t in range(nt):
            h = self.host[t]
            if h < 0:
                continue
            k = combat[:, t]
            wt = (k > 0.0) & (k >= kmin) & (k[h] > 0.0) & (k[h] >= kmin)
            wt[h] = False
            war[:, t] = wt
            foe[wt, h] = True
            foe[h, wt] = True
        # Paid share of each buyer's arms bill.
        bill = np.zeros(n)
        for c in MATERIEL:
            q = (cur["arms_transfer_" + c] + cur["arms_backorder_" + c]).sum(axis=0)
            bill += p["price_" + c] * q
        bill = 12.0 * bill
        means = p["arms_import_budget"] * (cap + cur["oil_export_revenue"] +
                                           cur["finance_flow"].sum(axis=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            paid = np.where(bill > 0.0, np.minimum(1.0, means / bill), 1.0)
        lic = p["licensed_share"]
        exposure = (c0 * combat).sum(axis=1)
        load = (c0 * (a + b * combat)).sum(axis=1)
        imax = np.maximum(0.0, interest.max(axis=1)) if self.nt else np.zeros(self.n)
        shortfall, used, invest = np.zeros(self.n), np.zeros(self.n), np.zeros(self.n)
        building_next = {}
        for c in MATERIEL:
            P, use = cur["production_" + c], cur["wartime_use_" + c]
            base_prod = P * working
            added = cur["production_added_" + c]
            prod = base_prod + added * working
            cons = use * exposure
            imports = cur["arms_transfer_" + c].sum(axis=0)
            need = np.maximum(0.0, cons - prod - imports)
            nxt["materiel_need_" + c] = need
            nxt["materiel_spare_" + c] = np.maximum(
                0.0, base_prod * (1.0 - p["reserve_share"]) + added * working - cons)
            with np.errstate(divide="ignore", invalid="ignore"):
                shortfall += np.where(use > 0.0, need / use, 0.0)
            used += use > 0.0
            # Capacity for paid orders nobody could fill (not between foes).
            bo = cur["arms_backorder_" + c]
            gap_out = np.where(foe, 0.0, bo * paid[None, :]).sum(axis=1)
            gap_in = np.where(foe, 0.0, bo.T).sum(axis=1)
            gap = (1.0 - lic) * gap_out + lic * paid * gap_in
            bld = self.building[c]
            done = bld / p["build_lag"]
            room = np.maximum(0.0, p["expansion_max"] * P - added - bld)
            nxt["production_added_" + c] = added + done
            building_next[c] = bld - done + np.minimum(room, np.maximum(0.0, gap - bld))
            invest += p["capacity_capital"] * p["price_" + c] * done
        nxt["arms_investment"] = 12.0 * invest
        nxt["arms_paid_share"] = paid
        with np.errstate(divide="ignore", invalid="ignore"):
            s = load + p["strain_materiel"] * np.where(used > 0, shortfall / used, 0.0)
        s = np.minimum(1.0, np.maximum(0.0, s))
        nxt["military_strain"] = s
        excess = np.maximum(0.0, (s - thr) / (1.0 - thr))
        with np.errstate(divide="ignore", invalid="ignore"):
            prio = np.where(imax[:, None] > 0.0, 1.0 - interest / imax[:, None], 1.0)
        keep = p["retained_share"] * self.base
        cut = p["drawdown_rate"] * excess[:, None] * prio * np.maximum(0.0, c0 - keep)
        c1 = c0 - cut
        drop = cut * cap[:, None]
        # A war ends this month with probability q (uniforms from the dump).
        months = self.war_months
        if self.month >= int(p["hazard_from_month"]):
            s_t = cur["military_strain"]
            lsum, lused = np.zeros(n), np.zeros(n)
            for c in MATERIEL:
                use = cur["wartime_use_" + c]
                with np.errstate(divide="ignore", invalid="ignore"):
                    lsum += np.where(use > 0.0, cur["materiel_need_" + c] / use, 0.0)
                lused += use > 0.0
            with np.errstate(divide="ignore", invalid="ignore"):
                loss = np.minimum(1.0, np.where(lused > 0, lsum / lused, 0.0) + dmg)
            u = self.d["war_hazard"][self.month]
            m = p["ceasefire_depth"]
            for t in range(nt):
                h = self.host[t]
                if h < 0:
                    continue
                q = (p["ceasefire_hazard"] *
                     (1.0 + p["hazard_strain"] * 0.5 * (s_t + s_t[h]) +
                      p["hazard_losses"] * 0.5 * (loss + loss[h])) *
                     np.power((months[:, t] + 1.0) / 12.0, p["hazard_duration_shape"] - 1.0))
                fire = war[:, t] & (q > 0.0) & (u[:, h] < np.minimum(1.0, q))
                nxt["combat"][fire, t] *= 1.0 - m
                nxt["combat"][h, t] *= (1.0 - m) ** int(fire.sum())
        self.war_months = np.where(war, months + 1.0, 0.0)
        self.building = building_next
        vacated = drop.sum(axis=0)
        willing = np.maximum(0.0, 1.0 - s / thr)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = (willing[:, None] * p["fill_rate"] * interest * (vacated[None, :] - drop) /
                     cap[:, None])
            want = share.sum(axis=1)
            headroom = np.maximum(0.0, 1.0 - c1.sum(axis=1))
            go = (cap > 0.0) & (willing > 0.0) & (want > 0.0) & (headroom > 0.0)
            scale = np.where(want > headroom, headroom / want, 1.0)
            add = (scale[:, None] * willing[:, None] * p["fill_rate"] * interest *
                   (vacated[None, :] - drop) / cap[:, None])
        c1 = np.where(go[:, None], c1 + add, c1)
        nxt["commitment"] = c1
        nxt["influence"] = self._influence(c1, cap)

    @staticmethod
    def _influence(c, cap):
        w = c * cap[:, None]
        total = w.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total[None, :] > 0.0, w / total[None, :], 0.0)

    # ------------------------------------------------------------ cooperation
    def cooperation(self, cur, nxt, z_offer):
        p, n, nt = self.p["cooperation"], self.n, self.nt
        coop, trust = cur["cooperation"], cur["trust"]
        tech, veto, flow = cur["technology"], cur["unsc_veto"], cur["finance_flow"]
        iso, threat, press = cur["isolation"], cur["secondary_threat"], cur["sanction_pressure"]
        riv, need, spare = cur["rivalry"], cur["finance_need"], cur["finance_spare"]
        breach, kept, sanc = cur["promise_breach"], cur["promise_kept"], cur["sanction_intensity"]
        combat, interest, commit = cur["combat"], cur["interest"], cur["commitment"]
        # enemy[a, k]: k fights on a's territory with low cooperation with a;
        # supply[b, k]: share of k's wartime use that b delivers.
        enemy = np.zeros((n, n))
        for t in range(nt):
            h = self.host[t]
            if h < 0:
                continue
            e = combat[:, t] * (1.0 - coop[:, h])
            e[h] = 0.0
            enemy[h] = np.maximum(enemy[h], e)
        ssum, used = np.zeros((n, n)), np.zeros(n)
        for c in MATERIEL:
            use = cur["wartime_use_" + c]
            with np.errstate(divide="ignore", invalid="ignore"):
                ssum += np.where(use[None, :] > 0.0,
                                 np.minimum(1.0, cur["arms_transfer_" + c] / use[None, :]), 0.0)
            used += use > 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            supply = offdiag(np.where(used[None, :] > 0, ssum / used[None, :], 0.0))
        hs = np.minimum(1.0, enemy @ supply.T)  # [a, b]: how much b arms a's enemies
        hostile = np.maximum(hs, hs.T)
        # H[a, b]: what a can do for b's needs.
        mat, wsum = np.zeros((n, n)), np.zeros(n)
        for c in MATERIEL:
            nb, sp = cur["materiel_need_" + c], cur["materiel_spare_" + c]
            with np.errstate(divide="ignore", invalid="ignore"):
                mat += np.where(nb[None, :] > 0.0, np.minimum(1.0, sp[:, None] / nb[None, :]), 0.0)
            wsum += nb > 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            mat = np.where(wsum[None, :] > 0.0, mat / wsum[None, :], 0.0)
            fin = np.where(need[None, :] > 0.0,
                           np.minimum(1.0, p["lend_rate"] * spare[:, None] / need[None, :]), 0.0)
        opn = 1.0 - sanc
        chan = press[None, :] * opn * (1.0 - iso[:, None])
        cover = iso[None, :] * veto[:, None] * opn
        techg = iso[None, :] * np.maximum(0.0, tech[:, None] - tech[None, :]) * opn
        wt = (p["weight_materiel"] + p["weight_finance"] + p["weight_channels"] +
              p["weight_cover"] + p["weight_technology"])
        if wt > 0.0:
            H = (p["weight_materiel"] * mat + p["weight_finance"] * fin + p["weight_channels"] * chan +
                 p["weight_cover"] * cover + p["weight_technology"] * techg) / wt
        else:
            H = np.zeros((n, n))
        comp = np.sqrt(H.T * H)
        # Decision noise: the pair's offer mood (AR(1) in logs) scales the value it sees.
        sig = p["offer_noise"]
        if sig > 0.0:
            phi = p["offer_noise_persistence"]
            x1 = phi * cur["offer_mood"] + math.sqrt(1.0 - phi * phi) * sig * z_offer
            comp = np.minimum(1.0, comp * np.exp(x1 - 0.5 * sig * sig))
            nxt["offer_mood"] = offdiag(x1)
        # Shared security: co-patrons of a theater's host.
        sec = np.zeros((n, n))
        for t in range(nt):
            h = self.host[t]
            if h < 0:
                continue
            on = commit[:, t] > 0.0
            ok = on[:, None] & on[None, :]
            ok[h, :] = ok[:, h] = False
            val = (np.minimum(interest[:, t][:, None], interest[:, t][None, :]) *
                   np.minimum(coop[:, h][:, None], coop[:, h][None, :]))
            sec = np.where(ok, np.maximum(sec, val), sec)
        c0 = 0.5 * (coop + coop.T)
        t_mut = 0.5 * (trust + trust.T)
        motive = comp + p["weight_security"] * sec
        drive = motive * (p["isolation_floor"] + np.minimum(iso[:, None], iso[None, :])) * \
            (0.5 + 0.5 * t_mut)
        c1 = (c0 + p["rise"] * drive * (1.0 - c0) -
              p["rivalry_cost"] * np.maximum(0.0, riv - self.riv0) * c0 -
              p["decay"] * (c0 - self.anchor))
        up = np.maximum(0.0, sanc - self.sanc0)
        sanc_up = np.maximum(up, up.T)
        c1 = c1 - (p["sanction_cost"] * sanc_up + p["enemy_supply_cost"] * hostile) * c0
        t1 = trust + p["trust_adjust"] * (c0 - trust)
        owed = breach.T + kept.T
        with np.errstate(divide="ignore", invalid="ignore"):
            t1 = np.where(owed > 0.0,
                          t1 + (-p["breach_penalty"] * breach.T / owed * trust +
                                p["kept_reward"] * kept.T / owed * (1.0 - trust)), t1)
        lead = cur["leader_change"] > 0.0  # a new leader on either side
        t1 = np.where(lead[:, None] | lead[None, :], t1 - p["leader_trust_loss"] * trust, t1)
        # DR[x, y]: risk for x of dealing with y.
        DR = np.minimum(1.0, p["risk_scale"] * iso[None, :] * (1.0 + 2.0 * threat[None, :]) *
                        (1.0 - iso[:, None]))
        # A supplier lends and arms only through the relations it has not closed.
        willing = c0 * (1.0 - DR) * (1.0 - sanc)
        desired = np.minimum(need[None, :] * willing, p["lend_rate"] * spare[:, None])
        nxt["complementarity"] = offdiag(comp)
        nxt["cooperation"] = offdiag(clamp01(c1))
        nxt["trust"] = offdiag(clamp01(t1))
        nxt["finance_flow"] = offdiag(flow + p["transfer_ramp"] * (desired - flow))
        self.sanc0 = self.sanc0 + p["sanction_habituation"] * (sanc - self.sanc0)
        # Arms: supplier j (row) shares its spare among recipients i (column).
        will_arms = (0.5 * (coop + coop.T) * (1.0 - np.minimum(1.0, p["materiel_risk"] * DR)) *
                     (1.0 - sanc))
        for c in MATERIEL:
            want = offdiag(cur["materiel_need_" + c][None, :] * np.maximum(0.0, will_arms))
            tot, sp = want.sum(axis=1), cur["materiel_spare_" + c]
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(tot > sp, np.where(tot > 0.0, sp / tot, 0.0), 1.0)
            arms = cur["arms_transfer_" + c]
            nxt["arms_transfer_" + c] = arms + p["transfer_ramp"] * (want * scale[:, None] - arms)
            nxt["arms_backorder_" + c] = want * (1.0 - scale)[:, None]

    # ------------------------------------------------------------ promises
    def promises(self, cur, nxt, z_delivery):
        p, n = self.p["promises"], self.n
        horizon = float(int(p["horizon"]))
        out, due = cur["promise_outstanding"], cur["promise_due"]
        coop, need = cur["cooperation"], cur["finance_need"]
        lend, spare = cur["lending_capacity"], cur["finance_spare"]
        budget = spare * p["delivery_share"] / 12.0
        owed_total = out.sum(axis=1)
        live = out > 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            pace = out / np.maximum(1.0, due)
            share = np.where(owed_total[:, None] > 0.0, out / owed_total[:, None], 0.0)
        pay = np.where(live, np.minimum(pace * coop, budget[:, None] * share), 0.0)
        sig = p["delivery_noise"]
        if sig > 0.0:  # decision noise: a lognormal factor of mean 1, at most what is owed
            pay = np.where(live, np.minimum(out, pay * np.exp(sig * z_delivery - 0.5 * sig * sig)),
                           0.0)
        out_n = np.where(live, out - pay, out)
        due_n = np.where(live, np.maximum(0.0, due - 1.0), due)
        falls = live & ((due_n <= 0.0) | (out_n <= 0.0))  # due, or paid in full early
        due_n = np.where(falls, 0.0, due_n)
        broken = falls & (out_n > 1e-6 * (out + 1.0))
        breach = np.where(broken, out_n, 0.0)
        kept = np.where(falls & ~broken, np.maximum(pay, 1.0), 0.0)
        out_n = np.where(falls, 0.0, out_n)
        pledge = (~live & (coop > p["promise_threshold"]) & (need[None, :] > 0.0) &
                  (lend[:, None] > 0.0))
        np.fill_diagonal(pledge, False)
        amount = p["promise_share"] * np.broadcast_to(need[None, :], (n, n))
        nxt["finance_promised"] = np.where(pledge, cur["finance_promised"] + amount,
                                           cur["finance_promised"])
        nxt["promise_outstanding"] = np.where(pledge, out_n + amount, out_n)
        nxt["promise_due"] = np.where(pledge, horizon, due_n)
        nxt["finance_delivered"] = cur["finance_delivered"] + pay
        nxt["promise_delivery"] = 12.0 * pay
        nxt["promise_breach"] = breach
        nxt["promise_kept"] = kept

    # ------------------------------------------------------------ cover (model II)
    def leadership(self, cur, nxt, u):
        """models/leadership.c: a leader leaves office with probability q (uniforms u)."""
        p = self.p["leadership"]
        q = np.minimum(1.0, p["hazard_base"] *
                       (1.0 + p["hazard_recession"] * np.maximum(0.0, -cur["gdp_growth"]) / 0.05 +
                        p["hazard_strain"] * cur["military_strain"]))
        draw = self.month >= int(p["hazard_from_month"]) and p["hazard_base"] > 0.0
        nxt["leader_change"] = np.where(draw & (u < q), 1.0, 0.0)

    def cover(self, cur, nxt):
        p = self.p["cover"]
        veto, coop = cur["unsc_veto"], cur["cooperation"]
        sanc, vote = cur["sanction_intensity"], cur["un_vote"]
        with np.errstate(divide="ignore", invalid="ignore"):
            x = (veto[:, None] * coop / (coop + p["half_cooperation"]) * (1.0 - sanc) *
                 (1.0 - vote))
        x = np.where(veto[:, None] <= 0.0, 0.0, x)
        cov = offdiag(clamp01(x))
        nxt["diplomatic_cover"] = cov
        nxt["cover_received"] = np.maximum(0.0, cov.max(axis=0))
        nxt["cover_shield"] = p["shield"] * nxt["cover_received"]
        nxt["un_vote"] = vote * (1.0 - p["vote_memory"])

    # ------------------------------------------------------------ events
    def apply_event(self, ev, cur, nxt):
        t, m, src, dst = ev["type"], ev["magnitude"], ev["source"], ev["target"]
        n, nt = self.n, self.nt
        if t in ("sanctions", "secondary_sanctions", "sanctions_relief",
                 "secondary_sanctions_relief"):
            f = "secondary_sanctions" if t.startswith("secondary") else "sanction_intensity"
            x = nxt[f]
            if t.endswith("relief"):
                x[src, dst] -= m * x[src, dst]
            else:
                x[src, dst] += m * (1.0 - x[src, dst])
        elif t == "oil_price":
            p = self.p["oil"]
            if not p["price_path"] > 0.5:
                return  # the benchmark follows its own dynamics
            old = nxt["oil_price"][0]
            nxt["oil_price"] = np.full(n, m)
            nxt["oil_discount"] = np.minimum(nxt["oil_discount"] / old, p["max_discount"]) * m
            nxt["oil_export_revenue"] = nxt["oil_export_volume"] * 1000.0 * 365.0 * \
                (m - nxt["oil_discount"])
        elif t == "oil_capacity":
            nxt["oil_export_capacity"][dst] = m
        elif t == "oil_embargo":
            nxt["oil_embargo"][src, dst] = m
        elif t == "oil_demand":
            self._set_demand(cur, nxt, dst, m)
            nxt["rivalry"] = self._rivalry(nxt["oil_trade"])
        elif t == "asset_freeze":
            amount = min(m, nxt["reserves"][dst])
            nxt["reserves"][dst] -= amount
            nxt["reserves_frozen"][dst] += amount
        elif t == "asset_unfreeze":
            amount = min(m, nxt["reserves_frozen"][dst])
            nxt["reserves_frozen"][dst] -= amount
            nxt["reserves"][dst] += amount
        elif t in ("invasion", "ceasefire", "military_intervention", "troop_movement"):
            th = int(np.flatnonzero(self.host == dst)[0])
            c, combat, base = nxt["commitment"], nxt["combat"], self.base
            if t == "invasion":
                c[src, th] = max(c[src, th], m)
                combat[src, th] = max(combat[src, th], m)
                c[dst, th] = combat[dst, th] = 1.0
                base[src, th] = max(base[src, th], c[src, th])
                base[dst, th] = 1.0
            elif t == "ceasefire":
                combat[src, th] *= 1.0 - m
                combat[dst, th] *= 1.0 - m
            elif t == "military_intervention":
                c[src, th] = max(c[src, th], m)
                combat[src, th] = max(combat[src, th], self.p["military"]["intervention_combat"])
                base[src, th] = max(base[src, th], c[src, th])
            else:
                c[src, th] = min(1.0, max(0.0, c[src, th] + m))
                base[src, th] = c[src, th]
            nxt["influence"][:, th] = self._influence(c[:, th:th + 1],
                                                      cur["military_capacity"])[:, 0]
        elif t == "promise_finance":
            k = (src, dst)
            nxt["finance_promised"][k] += m
            nxt["promise_outstanding"][k] += m
            nxt["promise_due"][k] = float(int(self.p["promises"]["horizon"]))
        elif t == "leader_change":
            nxt["leader_change"][src] = 1.0
        elif t in ("un_sanctions", "un_sanctions_relief"):
            veto, vote = cur["unsc_veto"], nxt["un_vote"]
            hs = [src] if src >= 0 else [h for h in range(n) if h != dst and veto[h] > 0.0]
            for h in hs:
                if t == "un_sanctions":
                    vote[h, dst] += m * (1.0 - vote[h, dst])
                else:
                    vote[h, dst] -= m * vote[h, dst]
        # Other event types belong to model II submodels whose fields model I
        # does not read (alignment, agreements, clients, strikes).

    # ------------------------------------------------------------ month
    def step(self, events=True):
        m, cur = self.month, self.cur
        nxt = {k: v.copy() for k, v in cur.items()}
        self.sanctions(cur, nxt)
        self.oil(cur, nxt, float(self.d["oil_price_shock"][m]))
        self.economy(cur, nxt, self.d["economy_shock"][m])
        self.military(cur, nxt)
        self.cooperation(cur, nxt, self.d["offer_z"][m])
        self.promises(cur, nxt, self.d["promise_delivery_z"][m])
        self.cover(cur, nxt)
        self.leadership(cur, nxt, self.d["leader"][m])
        for ev in self.events if events else ():
            if ev["month"] == m:
                self.apply_event(ev, cur, nxt)
        self.sanctions_settle(cur, nxt)
        self.cur = nxt
        self.month += 1

    def run(self, months=None, fields=None):
        """Every field (or those named) at the end of every month."""
        months = self.d["n_months"] if months is None else months
        fields = list(self.cur) if fields is None else fields
        out = {f: np.empty((months,) + self.cur[f].shape) for f in fields}
        for t in range(months):
            self.step()
            for f in fields:
                out[f][t] = self.cur[f]
        return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dump")
    ap.add_argument("-o", "--output", help="write every model-I field at every month (.npz)")
    ap.add_argument("--months", type=int)
    a = ap.parse_args(argv)
    dump = load_dump(a.dump)
    res = Reference(dump).run(a.months, model_i_fields(dump))
    if a.output:
        np.savez(a.output, **res)
    print(f"{len(res)} model-I fields, {dump['n_actors']} actors, "
          f"{a.months or dump['n_months']} months")


if __name__ == "__main__":
    sys.exit(main())
