#!/usr/bin/python3
"""One month of model I written the way a Mesa model is written (issue 8, item 2).

    object_model.py DUMP_DIR [--repeat K]

Actor objects with attributes, a Relation object per ordered pair of actors,
and plain Python loops over actors and partners: what a user would write
instead of pactsim. Same formulas as the C models and the NumPy reference
(bench/reference/pactsim_ref.py) for the six model-I submodels and the
diplomatic cover that sanctions reads; one step (the models' step, not the
timeline events), from the state of a dump_state directory. Used to time one
step at N=12 (bench/run.sh: the C / object-Python ratio); the differential
test checks that its step gives the reference's state.
"""
import argparse
import math
import sys
import time

import pactsim_ref as ref

MATERIEL = ref.MATERIEL
U_MAX = 50.0


class Relation:
    """The dyad (source, target): every dyad field as an attribute."""
    def __init__(self, src, dst):
        self.src, self.dst = src, dst


class Actor:
    def __init__(self, idx, iso3):
        self.idx, self.iso3 = idx, iso3
        self.rel = {}          # partner Actor -> Relation (self -> partner)
        self.theaters = []     # per theater: dict of commitment, combat, interest, influence


class World:
    def __init__(self, dump):
        self.p = dump["params"]
        self.actors = [Actor(i, c) for i, c in enumerate(dump["actors"])]
        self.hosts = [self.actors[h] if h >= 0 else None for h in dump["theater_host"]]
        self.nt = dump["n_theaters"]
        st, shape = dump["state"], dump["shape"]
        self.dyad_fields = [f for f in st if shape[f] == "dyad"]
        self.actor_fields = [f for f in st if shape[f] == "actor"]
        self.theater_fields = [f for f in st if shape[f] == "theater"]
        for a in self.actors:
            for f in self.actor_fields:
                setattr(a, f, float(st[f][a.idx]))
            a.theaters = [{f: float(st[f][a.idx, t]) for f in self.theater_fields}
                          for t in range(self.nt)]
            for b in self.actors:
                r = Relation(a, b)
                for f in self.dyad_fields:
                    setattr(r, f, float(st[f][a.idx, b.idx]))
                a.rel[b] = r
        # Private data of the models, from the reference's init.
        R = ref.Reference(dump)
        self.shock = dump["economy_shock"]
        self.eps = dump["oil_price_shock"]
        self.hazard_u = dump["war_hazard"]
        self.z_delivery = dump["promise_delivery_z"]
        self.z_offer = dump["offer_z"]
        self.jump = dump["oil_price_jump"]
        self.month = 0
        self.rest_demand = R.rest_demand
        self.out0 = list(R.out0)
        self.shut = R.shut
        n = len(self.actors)
        for a in self.actors:
            a.delta0 = R.delta0[a.idx]
            a.oil_base = R.oil_base[a.idx]
            a.strain_base = R.strain_base[a.idx]
            a.fiscal_ref, a.adapted = R.fiscal_ref[a.idx], R.adapted[a.idx]
            a.strain_lagged = R.strain_lagged[a.idx]
            a.gdp_rest = R.gdp_rest[a.idx]
            a.ca_base, a.unadapted_base = R.ca_base[a.idx], R.unadapted_base[a.idx]
            a.oil_initial = R.oil_initial[a.idx]
            a.base = [R.base[a.idx, t] for t in range(self.nt)]
            a.war_months = [R.war_months[a.idx, t] for t in range(self.nt)]
            a.building = {c: R.building[c][a.idx] for c in MATERIEL}
            a.w0_rest, a.x0_rest, a.xd0_rest = R.w0[a.idx, n], R.x0[a.idx, n], R.xd0[a.idx, n]
            for b in self.actors:
                r = a.rel[b]
                r.w0, r.x0, r.xd0 = R.w0[a.idx, b.idx], R.x0[a.idx, b.idx], R.xd0[a.idx, b.idx]
                r.anchor, r.riv0, r.sanc0 = (R.anchor[a.idx, b.idx], R.riv0[a.idx, b.idx],
                                             R.sanc0[a.idx, b.idx])
        self.anchored, self.base_set = R.anchored, R.base_set

    # ---------------------------------------------------------------- step
    def step(self):
        """One month of the models' step; new values go to attributes named new_<field>."""
        self.sanctions()
        self.oil()
        self.economy()
        self.military()
        self.cooperation()
        self.promises()
        self.cover()
        for a in self.actors:
            for f in self.actor_fields:
                if hasattr(a, "new_" + f):
                    setattr(a, f, getattr(a, "new_" + f))
                    delattr(a, "new_" + f)
            for t in a.theaters:
                for f in list(t):
                    if f.startswith("new_"):
                        t[f[4:]] = t.pop(f)
            for r in a.rel.values():
                for f in self.dyad_fields:
                    if hasattr(r, "new_" + f):
                        setattr(r, f, getattr(r, "new_" + f))
                        delattr(r, "new_" + f)
        self.month += 1

    def sanctions(self):
        """The step: evasion from the isolation and threat of state t, erosion; then (no
        events in this step) the settle: isolation, threat and pressure from the new
        intensities."""
        p = self.p["sanctions"]
        total = sum(a.gdp for a in self.actors)
        for i in self.actors:
            others = total - i.gdp
            channel = 0.0
            shield = i.cover_shield
            if others > 0.0:
                for k in self.actors:
                    if k is not i:
                        fear = min(1.0, p["secondary_fear"] * i.secondary_threat * (1.0 - k.isolation))
                        channel += k.gdp / others * (1.0 - k.rel[i].sanction_intensity) * (1.0 - fear)
            ev_max = p["evasion_max"] + (1.0 - p["evasion_max"]) * shield
            target = ev_max * min(1.0, channel) if i.isolation > 0.0 else 0.0
            i.new_evasion = i.evasion + p["evasion_adjust"] * (target - i.evasion)
            for j in self.actors:
                r = j.rel[i]
                kept = 1.0 - p["erosion"] * (1.0 - p["enforcement"] * r.secondary_sanctions)
                r.new_sanction_intensity = r.sanction_intensity * kept
                r.new_secondary_sanctions = r.secondary_sanctions * (1.0 - p["erosion"])
        for i in self.actors:
            others = total - i.gdp
            isol = threat = 0.0
            if others > 0.0:
                for j in self.actors:
                    if j is not i:
                        w = j.gdp / others
                        isol += w * j.rel[i].new_sanction_intensity
                        threat += w * j.rel[i].new_secondary_sanctions
            isol = min(1.0, isol) * (1.0 - i.cover_shield)
            i.new_isolation, i.new_secondary_threat = isol, min(1.0, threat)
            i.new_sanction_pressure = isol * (1.0 - i.new_evasion)

    # Oil: a buyer is an Actor or None (the rest of the world).
    def _closure(self, s, b):
        p = self.p["oil"]
        risk = p["secondary_fear"] * s.secondary_threat + p["isolation_friction"] * s.sanction_pressure
        if b is None:
            return 0.0, p["rest_compliance"] * s.isolation + risk
        dyad = 1.0 - (1.0 - b.rel[s].sanction_intensity) * (1.0 - s.rel[b].sanction_intensity)
        return dyad, risk * (1.0 - b.isolation)

    @staticmethod
    def _weight(w0, floor, E):
        return w0 * E if E <= 1.0 else w0 + max(w0, floor) * (E - 1.0)

    @staticmethod
    def _cexp(u):
        return math.exp(min(U_MAX, max(-U_MAX, u)))

    def oil(self):
        p = self.p["oil"]
        tau, dmax, phi = p["price_sensitivity"], p["max_discount"], p["share_floor"]
        P = self.actors[0].oil_price
        eps = float(self.eps[self.month])
        occurs, size = self.jump[self.month]
        if occurs < p["price_jump_rate"]:
            eps += p["price_supply_response"] * 2.0 * p["price_jump_shortfall"] * size
        idle = sum(max(0.0, s.oil_export_capacity - s.oil_export_volume) for s in self.actors)
        world = self.rest_demand + sum(b.oil_import_demand for b in self.actors)
        S = min(1.0, idle / world) if world > 0.0 else 0.0
        Pn = math.exp(math.log(P) + p["price_reversion"] * (math.log(p["price_long_run"]) -
                                                             math.log(P)) + eps
                      + p["price_supply_response"] * (S - self.shut))
        self.shut = S
        Pn = min(300.0, max(5.0, Pn))
        buyers = self.actors + [None]
        demand = {b: (b.oil_import_demand if b else self.rest_demand) for b in buyers}
        # Per buyer (None: the rest of the world, the typical buyer with no limit).
        resp = {b: (b.oil_price_response if b else 1.0) for b in buyers}
        rate = {b: min(1.0, p["switching_rate"] * (b.oil_switching_speed if b else 1.0))
                for b in buyers}

        def ecap(s, b):  # b's oil embargo on s caps its share (none: infinite)
            e = b.rel[s].oil_embargo if b else 0.0
            return (1.0 - e) * max(s.rel[b].w0, phi) if e > 0.0 else math.inf

        def limit(s, b):
            return min(max(b.oil_refinery_limit, s.rel[b].w0) if b else 1.0, ecap(s, b))

        def now_share(s, b):
            v = 0.0 if s is b else (s.rel[b].oil_trade if b else s.oil_rest_exports)
            return v / demand[b]
        out0 = {b: self.out0[b.idx if b else len(self.actors)] for b in buyers}

        def link(s, b):
            return s.rel[b] if b else s

        def w0(s, b):
            return s.rel[b].w0 if b else s.w0_rest

        def fl(s, b):  # the route's floor shrinks with its reference closure
            return phi * (1.0 - p["floor_openness"] * (s.rel[b].x0 if b else s.x0_rest))

        anchor = not self.anchored and self.month >= 1
        a, den = {}, {}
        for b in buyers:
            den[b] = out0[b]
            for s in self.actors:
                dyad, risk = self._closure(s, b)
                if anchor:
                    xd0 = s.rel[b].xd0 if b else s.xd0_rest
                    x0 = min(1.0, max(0.0, xd0 + risk))
                    if b:
                        s.rel[b].x0 = x0
                    else:
                        s.x0_rest = x0
                if s is b or s.oil_export_capacity <= 0.0 or demand[b] <= 0.0:
                    a[s, b] = 0.0
                    continue
                delta = min(dmax, s.oil_discount / P)
                x = min(1.0, max(0.0, dyad + risk))
                x0 = s.rel[b].x0 if b else s.x0_rest
                a[s, b] = self._cexp((resp[b] * (delta - s.delta0) - p["sanction_penalty"] * (x - x0))
                                     / tau)
                den[b] += self._weight(w0(s, b), fl(s, b), a[s, b])
        if anchor:
            self.anchored = True

        def free_share(wt, d, L, A):
            return (1.0 - L) * wt / (d - A) if d - A > 0.0 else math.inf

        def may_cap(b):
            return b is not None and (b.oil_refinery_limit < 1.0 or
                                      any(b.rel[s].oil_embargo > 0.0 for s in self.actors))

        def capped_sums(b, d):
            # Capped logit: the limits and weights of b's routes whose share
            # would pass their limit, grown pass by pass (models/oil.c).
            L = A = 0.0
            cnt = 0
            if not may_cap(b):
                return L, A
            for _ in range(len(self.actors) + 1):
                nL = nA = 0.0
                nc = 0
                for s in self.actors:
                    if a[s, b] > 0.0:
                        wt = self._weight(w0(s, b), fl(s, b), a[s, b])
                        if free_share(wt, d, L, A) > limit(s, b):
                            nL += limit(s, b)
                            nA += wt
                            nc += 1
                changed = nc != cnt
                L, A, cnt = nL, nA, nc
                if not changed:
                    break
            return L, A
        caps = {b: capped_sums(b, den[b]) for b in buyers}

        def held(s, b):
            # b's other capped routes, held: the rest weight and the free share.
            L, A = caps[b]
            wt = self._weight(w0(s, b), fl(s, b), a[s, b])
            if free_share(wt, den[b], L, A) > limit(s, b):
                return den[b] - A, 1.0 - (L - limit(s, b))
            return den[b] - A - wt, 1.0 - L
        for s in self.actors:
            dc = min(dmax, s.oil_discount / P)
            cap = s.oil_export_capacity
            if cap <= 0.0:
                s.delta_new = dc
                continue
            mine = [(demand[b], w0(s, b), a[s, b], *held(s, b),
                     now_share(s, b), limit(s, b), rate[b], resp[b], ecap(s, b), fl(s, b))
                    for b in buyers if a[s, b] > 0.0]

            def sales(delta):
                q = 0.0
                for D, w, E, rest, free, sh, lim, lam, m, ec, f in mine:
                    a1 = self._weight(w, f, E * self._cexp(m * (delta - dc) / tau))
                    t = min(lim, free * a1 / (rest + a1)) if rest + a1 > 0.0 else 0.0
                    q += D * max(0.0, min(ec, sh + lam * (t - sh)))
                return q
            if sales(0.0) >= cap:
                star = 0.0
            elif sales(dmax) <= cap:
                star = dmax
            else:
                lo, hi = 0.0, dmax
                for _ in range(60):
                    mid = 0.5 * (lo + hi)
                    if sales(mid) < cap:
                        lo = mid
                    else:
                        hi = mid
                star = 0.5 * (lo + hi)
            s.delta_new = dc + p["discount_adjust"] * (star - dc)
        req = {}
        for b in buyers:
            D, d = demand[b], out0[b]
            for s in self.actors:
                if a[s, b] > 0.0:
                    a[s, b] *= self._cexp(resp[b] * (s.delta_new - min(dmax, s.oil_discount / P)) / tau)
                    d += self._weight(w0(s, b), fl(s, b), a[s, b])
            L, A = capped_sums(b, d)
            for s in self.actors:
                now = 0.0 if s is b else (s.rel[b].oil_trade if b else s.oil_rest_exports)
                if D <= 0.0 or (a[s, b] <= 0.0 and now <= 0.0):
                    req[s, b] = 0.0
                    continue
                sh = now / D
                target = min(limit(s, b), free_share(self._weight(w0(s, b), fl(s, b), a[s, b]), d, L, A))
                req[s, b] = D * max(0.0, min(ecap(s, b), sh + rate[b] * (target - sh)))
        for s in self.actors:
            asked = sum(req[s, b] for b in buyers)
            cap = s.oil_export_capacity
            f = cap / asked if asked > cap and asked > 0.0 else 1.0
            sold = 0.0
            for b in self.actors:
                v = 0.0 if b is s else req[s, b] * f
                s.rel[b].new_oil_trade = v
                sold += v
            s.new_oil_rest_exports = req[s, None] * f
            s.new_oil_export_volume = sold + s.new_oil_rest_exports
            s.new_oil_discount = s.delta_new * Pn
            s.new_oil_export_revenue = s.new_oil_export_volume * 1000.0 * 365.0 * (Pn - s.new_oil_discount)
            s.new_oil_price = Pn
            s.sold = sold
        for i in self.actors:
            for j in self.actors:
                m = min(i.sold, j.sold)
                if j is i or m <= 0.0:
                    i.rel[j].new_rivalry = 0.0
                    continue
                o = sum(min(i.rel[b].new_oil_trade, j.rel[b].new_oil_trade) for b in self.actors)
                i.rel[j].new_rivalry = min(1.0, o / m)

    def economy(self):
        p = self.p["economy"]
        if not self.base_set:
            if self.month == 1:
                for a in self.actors:
                    a.oil_base = a.oil_export_revenue
                    a.strain_base = a.military_strain
            self.base_set = self.month >= 1
        for i in self.actors:
            pr = i.sanction_pressure
            windfall = i.oil_export_revenue - i.oil_base if self.base_set else 0.0
            inflow_f = sum(j.rel[i].finance_flow + j.rel[i].promise_delivery for j in self.actors)
            outflow_f = sum(i.rel[j].finance_flow + i.rel[j].promise_delivery for j in self.actors)
            shock = float(self.shock[self.month][i.idx])
            excess = max(0.0, i.military_strain - i.strain_base) if self.base_set else 0.0
            extra = p["war_spending_surge"] * i.military_capacity_base * excess
            i.new_military_spending_extra = extra
            share = extra / i.gdp if i.gdp > 0.0 else 0.0
            impulse = p["fiscal_multiplier"] * (12.0 / p["fiscal_lag"]) * (share - i.fiscal_ref)
            lagged = i.strain_lagged
            i.fiscal_ref += (share - i.fiscal_ref) / p["fiscal_lag"]
            i.strain_lagged = lagged + (excess - lagged) / p["war_cost_lag"]
            pa = p["adaptation_max"] * pr if self.month == 0 else i.adapted
            i.adapted = pa + p["adaptation_rate"] * (p["adaptation_max"] * pr - pa)
            unadapted = max(0.0, pr - pa)
            if self.month == 0:
                i.ca_base, i.unadapted_base = i.current_account, unadapted
                i.oil_initial = i.oil_export_revenue
            target = (i.potential_growth - p["sanction_elasticity"] * unadapted -
                      p["war_cost"] * i.military_strain +
                      (p["oil_growth_gain"] * windfall / i.gdp if i.gdp > 0.0 else 0.0) +
                      impulse - p["war_cost_late"] * lagged)
            g = p["growth_persistence"] * i.gdp_growth + (1.0 - p["growth_persistence"]) * target + shock
            g = max(-0.5, min(0.5, g))
            i.new_gdp_growth = g
            k_oil = p["oil_revenue_in_gdp"]
            rest = i.gdp - k_oil * i.oil_export_revenue if self.month == 0 else i.gdp_rest
            i.gdp_rest = rest * (1.0 + g) ** (1.0 / 12.0)
            i.new_gdp = i.gdp_rest + k_oil * i.oil_export_revenue if k_oil > 0.0 else i.gdp_rest
            cut = min(1.0, p["import_compression"] * max(0.0, unadapted - i.unadapted_base))
            ca_usd = (i.ca_base * i.gdp +
                      p["commodity_export_scale"] * (i.oil_export_revenue - i.oil_initial) +
                      p["import_share"] * cut * i.gdp)
            ca = max(-0.5, min(0.5, ca_usd / i.gdp)) if i.gdp > 0.0 else i.ca_base
            i.new_current_account = ca
            saved = p["windfall_saving"] * windfall
            covered = min(extra, max(0.0, saved))
            inflow = (p["ca_reserve_share"] * (ca * i.gdp - windfall) + saved - covered -
                      p["war_reserve_share"] * (extra - covered) + inflow_f - outflow_f)
            i.new_reserves = max(0.0, i.reserves * (1.0 - p["reserve_drawdown"] * pr) + inflow / 12.0)
            i.new_lending_capacity = i.new_reserves * p["lend_share"] * (1.0 - pr)
            i.new_finance_need = i.gdp * p["finance_gap"] * pr
            i.new_finance_spare = max(0.0, i.new_lending_capacity - i.new_finance_need)

    def _at_war(self, i, k):
        """Attacker i at war with the host of theater k (both fight at war_combat_min or more)."""
        h, kmin = self.hosts[k], self.p["military"]["war_combat_min"]
        if h is None or h is i:
            return False
        ki, kh = i.theaters[k]["combat"], h.theaters[k]["combat"]
        return ki > 0.0 and ki >= kmin and kh > 0.0 and kh >= kmin

    def military(self):
        p = self.p["military"]
        a_, b_, thr = p["strain_deploy"], p["strain_combat"], p["strain_threshold"]
        # Military expenditure: the peacetime budget grows with GDP (state t's
        # growth), the war's extra spending (state t) on top.
        for i in self.actors:
            i.new_military_capacity_base = i.military_capacity_base * (1.0 + i.gdp_growth) ** (1.0 / 12.0)
            i.new_military_capacity = i.new_military_capacity_base + i.military_spending_extra
        foes = set()
        for k in range(self.nt):
            for i in self.actors:
                if self._at_war(i, k):
                    foes.add((i, self.hosts[k]))
                    foes.add((self.hosts[k], i))
        paid = {}
        for i in self.actors:
            bill = 0.0
            for c in MATERIEL:
                q = sum(getattr(j.rel[i], "arms_transfer_" + c) + getattr(j.rel[i], "arms_backorder_" + c)
                        for j in self.actors)
                bill += p["price_" + c] * q
            bill *= 12.0
            fin = sum(k.rel[i].finance_flow for k in self.actors)
            means = p["arms_import_budget"] * (i.military_capacity + i.oil_export_revenue + fin)
            paid[i] = min(1.0, means / bill) if bill > 0.0 else 1.0
        lic = p["licensed_share"]
        for i in self.actors:
            exposure = sum(t["commitment"] * t["combat"] for t in i.theaters)
            load = sum(t["commitment"] * (a_ + b_ * t["combat"]) for t in i.theaters)
            imax = max([0.0] + [t["interest"] for t in i.theaters])
            shortfall, used, invest = 0.0, 0, 0.0
            working = 1.0 - getattr(i, "war_damage", 0.0)
            for c in MATERIEL:
                P, use = getattr(i, "production_" + c), getattr(i, "wartime_use_" + c)
                base_prod = P * working
                added = getattr(i, "production_added_" + c)
                prod = base_prod + added * working
                cons = use * exposure
                imports = sum(getattr(j.rel[i], "arms_transfer_" + c) for j in self.actors)
                need = max(0.0, cons - prod - imports)
                setattr(i, "new_materiel_need_" + c, need)
                setattr(i, "new_materiel_spare_" + c,
                        max(0.0, base_prod * (1.0 - p["reserve_share"]) + added * working - cons))
                if use > 0.0:
                    shortfall += need / use
                    used += 1
                gap_out = sum(paid[k] * getattr(i.rel[k], "arms_backorder_" + c)
                              for k in self.actors if (i, k) not in foes)
                gap_in = sum(getattr(k.rel[i], "arms_backorder_" + c)
                             for k in self.actors if (i, k) not in foes)
                gap = (1.0 - lic) * gap_out + lic * paid[i] * gap_in
                bld = i.building[c]
                done = bld / p["build_lag"]
                room = max(0.0, p["expansion_max"] * P - added - bld)
                setattr(i, "new_production_added_" + c, added + done)
                i.new_building = getattr(i, "new_building", {})
                i.new_building[c] = bld - done + min(room, max(0.0, gap - bld))
                invest += p["capacity_capital"] * p["price_" + c] * done
            i.new_arms_investment = 12.0 * invest
            i.new_arms_paid_share = paid[i]
            s = load + p["strain_materiel"] * (shortfall / used if used else 0.0)
            i.new_military_strain = s = min(1.0, max(0.0, s))
            excess = max(0.0, (s - thr) / (1.0 - thr))
            for k, t in enumerate(i.theaters):
                prio = 1.0 - t["interest"] / imax if imax > 0.0 else 1.0
                cut = p["drawdown_rate"] * excess * prio * max(0.0, t["commitment"] - p["retained_share"] * i.base[k])
                t["new_commitment"] = t["commitment"] - cut
                t["drop"] = cut * i.military_capacity
        # Wars that end this month.
        draw = self.month >= int(p["hazard_from_month"])
        for k in range(self.nt):
            h = self.hosts[k]
            for i in self.actors:
                war = self._at_war(i, k)
                months = i.war_months[k]
                i.war_months[k] = months + 1.0 if war else 0.0
                if not (war and draw):
                    continue
                s = 0.5 * (i.military_strain + h.military_strain)
                l = 0.5 * (self._losses(i) + self._losses(h))
                q = (p["ceasefire_hazard"] * (1.0 + p["hazard_strain"] * s + p["hazard_losses"] * l) *
                     ((months + 1.0) / 12.0) ** (p["hazard_duration_shape"] - 1.0))
                if q > 0.0 and self.hazard_u[self.month, i.idx, h.idx] < min(1.0, q):
                    for a in (i, h):
                        t = a.theaters[k]
                        t["new_combat"] = t.get("new_combat", t["combat"]) * (1.0 - p["ceasefire_depth"])
        for i in self.actors:
            i.building = i.__dict__.pop("new_building")
        vacated = [sum(i.theaters[k]["drop"] for i in self.actors) for k in range(self.nt)]
        for i in self.actors:
            willing = max(0.0, 1.0 - i.new_military_strain / thr)
            cap = i.military_capacity
            if cap <= 0.0 or willing <= 0.0:
                continue
            used = sum(t["new_commitment"] for t in i.theaters)
            want = sum(willing * p["fill_rate"] * t["interest"] * (vacated[k] - t["drop"]) / cap
                       for k, t in enumerate(i.theaters))
            headroom = max(0.0, 1.0 - used)
            if want <= 0.0 or headroom <= 0.0:
                continue
            scale = headroom / want if want > headroom else 1.0
            for k, t in enumerate(i.theaters):
                t["new_commitment"] += (scale * willing * p["fill_rate"] * t["interest"] *
                                        (vacated[k] - t["drop"]) / cap)
        for k in range(self.nt):
            total = sum(i.theaters[k]["new_commitment"] * i.military_capacity for i in self.actors)
            for i in self.actors:
                t = i.theaters[k]
                t["new_influence"] = t["new_commitment"] * i.military_capacity / total if total > 0.0 else 0.0
            for i in self.actors:
                i.theaters[k].pop("drop")

    @staticmethod
    def _losses(i):
        """Unmet share of full-war materiel use plus war damage, at most 1."""
        tot, used = 0.0, 0
        for c in MATERIEL:
            use = getattr(i, "wartime_use_" + c)
            if use > 0.0:
                tot += getattr(i, "materiel_need_" + c) / use
                used += 1
        return min(1.0, (tot / used if used else 0.0) + getattr(i, "war_damage", 0.0))

    def _deal_risk(self, j, i):
        """Risk for j of dealing with i."""
        p = self.p["cooperation"]
        return min(1.0, p["risk_scale"] * i.isolation * (1.0 + 2.0 * i.secondary_threat) *
                   (1.0 - j.isolation))

    def _offer(self, a, b):
        """What a can do for b's needs (0..1)."""
        p = self.p["cooperation"]
        mat = wsum = 0.0
        for c in MATERIEL:
            nb = getattr(b, "materiel_need_" + c)
            if nb > 0.0:
                mat += min(1.0, getattr(a, "materiel_spare_" + c) / nb)
                wsum += 1.0
        mat = mat / wsum if wsum > 0.0 else 0.0
        fin = min(1.0, p["lend_rate"] * a.finance_spare / b.finance_need) if b.finance_need > 0.0 else 0.0
        opn = 1.0 - a.rel[b].sanction_intensity
        chan = b.sanction_pressure * opn * (1.0 - a.isolation)
        cover = b.isolation * a.unsc_veto * opn
        tech = b.isolation * max(0.0, a.technology - b.technology) * opn
        wt = (p["weight_materiel"] + p["weight_finance"] + p["weight_channels"] +
              p["weight_cover"] + p["weight_technology"])
        return ((p["weight_materiel"] * mat + p["weight_finance"] * fin + p["weight_channels"] * chan +
                 p["weight_cover"] * cover + p["weight_technology"] * tech) / wt if wt > 0.0 else 0.0)

    def cooperation(self):
        p = self.p["cooperation"]
        enemy = {}   # (a, k): how hostile k is to a
        for t, h in enumerate(self.hosts):
            if h is None:
                continue
            for k in self.actors:
                if k is not h:
                    e = k.theaters[t]["combat"] * (1.0 - k.rel[h].cooperation)
                    enemy[h, k] = max(enemy.get((h, k), 0.0), e)
        supply = {}  # (b, k): share of k's wartime use that b supplies
        for k in self.actors:
            cats = [c for c in MATERIEL if getattr(k, "wartime_use_" + c) > 0.0]
            if cats:
                for b in self.actors:
                    if b is not k:
                        supply[b, k] = sum(min(1.0, getattr(b.rel[k], "arms_transfer_" + c) /
                                               getattr(k, "wartime_use_" + c)) for c in cats) / len(cats)

        def hostile(a, b):
            return min(1.0, sum(enemy.get((a, k), 0.0) * supply.get((b, k), 0.0)
                                for k in self.actors if k is not a and k is not b))

        def security(i, j):
            s = 0.0
            for t, h in enumerate(self.hosts):
                ti, tj = i.theaters[t], j.theaters[t]
                if h is None or h is i or h is j or ti["commitment"] <= 0.0 or tj["commitment"] <= 0.0:
                    continue
                side = min(i.rel[h].cooperation, j.rel[h].cooperation)
                s = max(s, min(ti["interest"], tj["interest"]) * side)
            return s

        sig, phi = p["offer_noise"], p["offer_noise_persistence"]
        for i in self.actors:
            for j in self.actors:
                r, back = i.rel[j], j.rel[i]
                if i is j:
                    r.new_cooperation = r.new_trust = r.new_complementarity = r.new_finance_flow = 0.0
                    continue
                comp = math.sqrt(self._offer(j, i) * self._offer(i, j))
                if sig > 0.0:  # the pair's offer mood (AR(1) in logs)
                    x1 = (phi * r.offer_mood + math.sqrt(1.0 - phi * phi) * sig *
                          self.z_offer[self.month][i.idx][j.idx])
                    r.new_offer_mood = x1
                    comp = min(1.0, comp * math.exp(x1 - 0.5 * sig * sig))
                r.new_complementarity = comp
                c0 = 0.5 * (r.cooperation + back.cooperation)
                t_mut = 0.5 * (r.trust + back.trust)
                motive = comp + p["weight_security"] * security(i, j)
                drive = motive * (p["isolation_floor"] + min(i.isolation, j.isolation)) * (0.5 + 0.5 * t_mut)
                c1 = (c0 + p["rise"] * drive * (1.0 - c0) -
                      p["rivalry_cost"] * max(0.0, r.rivalry - r.riv0) * c0 - p["decay"] * (c0 - r.anchor))
                sanc_up = max(max(0.0, r.sanction_intensity - r.sanc0),
                              max(0.0, back.sanction_intensity - back.sanc0))
                c1 -= (p["sanction_cost"] * sanc_up +
                       p["enemy_supply_cost"] * max(hostile(i, j), hostile(j, i))) * c0
                r.new_cooperation = min(1.0, max(0.0, c1))
                t1 = r.trust + p["trust_adjust"] * (c0 - r.trust)
                owed = back.promise_breach + back.promise_kept
                if owed > 0.0:
                    t1 += (-p["breach_penalty"] * back.promise_breach / owed * r.trust +
                           p["kept_reward"] * back.promise_kept / owed * (1.0 - r.trust))
                r.new_trust = min(1.0, max(0.0, t1))
                willing = c0 * (1.0 - self._deal_risk(i, j))
                desired = min(j.finance_need * willing, p["lend_rate"] * i.finance_spare)
                r.new_finance_flow = r.finance_flow + p["transfer_ramp"] * (desired - r.finance_flow)
        for j in self.actors:   # supplier
            for c in MATERIEL:
                want = {}
                for i in self.actors:
                    willing = (0.5 * (i.rel[j].cooperation + j.rel[i].cooperation) *
                               (1.0 - min(1.0, p["materiel_risk"] * self._deal_risk(j, i))))
                    want[i] = 0.0 if i is j else getattr(i, "materiel_need_" + c) * max(0.0, willing)
                total, sp = sum(want.values()), getattr(j, "materiel_spare_" + c)
                scale = (sp / total if total > 0.0 else 0.0) if total > sp else 1.0
                for i in self.actors:
                    old = getattr(j.rel[i], "arms_transfer_" + c)
                    setattr(j.rel[i], "new_arms_transfer_" + c,
                            old + p["transfer_ramp"] * (want[i] * scale - old))
                    setattr(j.rel[i], "new_arms_backorder_" + c, want[i] * (1.0 - scale))
        for i in self.actors:
            for r in i.rel.values():
                r.sanc0 += p["sanction_habituation"] * (r.sanction_intensity - r.sanc0)

    def promises(self):
        p = self.p["promises"]
        horizon = float(int(p["horizon"]))
        sig = p["delivery_noise"]
        for j in self.actors:
            budget = j.finance_spare * p["delivery_share"] / 12.0
            owed_total = sum(r.promise_outstanding for r in j.rel.values())
            for i in self.actors:
                r = j.rel[i]
                r.new_promise_breach = r.new_promise_kept = r.new_promise_delivery = 0.0
                if r.promise_outstanding > 0.0:
                    out = r.promise_outstanding
                    pace = out / max(1.0, r.promise_due)
                    share = out / owed_total if owed_total > 0.0 else 0.0
                    pay = min(pace * r.cooperation, budget * share)
                    if sig > 0.0:  # a lognormal delivery factor of mean 1
                        z = self.z_delivery[self.month][j.idx][i.idx]
                        pay = min(out, pay * math.exp(sig * z - 0.5 * sig * sig))
                    r.new_promise_outstanding = out - pay
                    r.new_finance_delivered = r.finance_delivered + pay
                    r.new_promise_delivery = 12.0 * pay
                    r.new_promise_due = max(0.0, r.promise_due - 1.0)
                    if r.new_promise_due <= 0.0 or r.new_promise_outstanding <= 0.0:
                        if r.new_promise_outstanding > 1e-6 * (out + 1.0):
                            r.new_promise_breach = r.new_promise_outstanding
                        else:
                            r.new_promise_kept = max(pay, 1.0)
                        r.new_promise_outstanding = r.new_promise_due = 0.0
                elif (i is not j and r.cooperation > p["promise_threshold"] and i.finance_need > 0.0
                      and j.lending_capacity > 0.0):
                    amount = p["promise_share"] * i.finance_need
                    r.new_finance_promised = r.finance_promised + amount
                    r.new_promise_outstanding = r.promise_outstanding + amount
                    r.new_promise_due = horizon

    def cover(self):
        p = self.p["cover"]
        for i in self.actors:
            i.new_cover_received = 0.0
        for h in self.actors:
            for i in self.actors:
                r = h.rel[i]
                c, v = r.cooperation, h.unsc_veto
                x = (0.0 if h is i or v <= 0.0 else
                     v * c / (c + p["half_cooperation"]) * (1.0 - r.sanction_intensity) * (1.0 - r.un_vote))
                r.new_diplomatic_cover = min(1.0, max(0.0, x))
                i.new_cover_received = max(i.new_cover_received, r.new_diplomatic_cover)
                r.new_un_vote = r.un_vote * (1.0 - p["vote_memory"])
        for i in self.actors:
            i.new_cover_shield = p["shield"] * i.new_cover_received

    def field(self, name, kind):
        """A field as nested lists (for comparison with the reference)."""
        if kind == "actor":
            return [getattr(a, name) for a in self.actors]
        if kind == "theater":
            return [[t[name] for t in a.theaters] for a in self.actors]
        return [[getattr(a.rel[b], name) for b in self.actors] for a in self.actors]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dump")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    dump = ref.load_dump(a.dump)
    best = math.inf
    for _ in range(a.repeat):
        w = World(dump)
        t0 = time.perf_counter()
        w.step()
        best = min(best, time.perf_counter() - t0)
    print(f"{dump['n_actors']},{best:.6g}")


if __name__ == "__main__":
    sys.exit(main())
