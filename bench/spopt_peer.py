#!/usr/bin/python3
"""The site-selection peer as bench/site.sh runs it: ../shared/peers/spopt_solve.py's own
reading, model and solver (imported from there, not copied), solved the same way, plus
whether CBC proved the optimum.

  spopt_peer.py PROBLEM INSTANCE [-p P] [-r RADIUS] [--time-limit S] --spopt-root DIR

Why: with a time limit, PuLP reports CBC's "Stopped on time" with an incumbent as
status Optimal (its solution status is then "integer feasible"), so spopt_solve.py's
"status": "ok" does not mean proven. This prints the same JSON line with "proven" (the
status and the solution status both optimal) and "seconds_model_solve" (spopt's model
construction plus the solve, the peer's own time beside civgis's solve time).
"""
import argparse
import json
import os
import sys
import time

PEERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "peers")
sys.path.insert(0, PEERS)
import spopt_solve as peer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("problem", choices=["mclp", "pmedian", "pcenter"])
    ap.add_argument("instance")
    ap.add_argument("-p", type=int)
    ap.add_argument("-r", "--radius", type=float)
    ap.add_argument("--time-limit", type=float)
    ap.add_argument("--spopt-root", required=True)
    args = ap.parse_args()
    args.format = None
    args.weights = None

    t0 = time.perf_counter()
    locate = peer.load_spopt(args.spopt_root)
    import pulp

    t_import = time.perf_counter()
    fmt, cost, weights, p_file = peer.read_instance(args)
    t_read = time.perf_counter()
    p = args.p if args.p is not None else p_file
    if args.problem == "mclp":
        model = locate.MCLP.from_cost_matrix(cost, weights, args.radius, p_facilities=p)
    elif args.problem == "pmedian":
        model = locate.PMedian.from_cost_matrix(cost, weights, p_facilities=p)
    else:
        model = locate.PCenter.from_cost_matrix(cost, p_facilities=p)
    t_build = time.perf_counter()
    solver = peer.make_solver("cbc", args.time_limit, None)
    status = "ok"
    try:
        model.solve(solver, results=False)
    except RuntimeError as e:
        status = str(e)
    t_solve = time.perf_counter()
    prob = model.problem
    proven = (status == "ok" and prob.status == pulp.LpStatusOptimal
              and prob.sol_status == pulp.LpSolutionOptimal)
    print(json.dumps({
        "peer": "spopt", "problem": args.problem, "instance": os.path.basename(args.instance),
        "format": fmt, "p": p, "radius": args.radius, "status": status,
        "pulp_status": pulp.LpStatus[prob.status],
        "solution_status": pulp.LpSolution[prob.sol_status], "proven": proven,
        "objective": pulp.value(prob.objective),
        "seconds_model_solve": round(t_solve - t_read, 4),
        "time_s": {"import": round(t_import - t0, 4), "read": round(t_read - t_import, 4),
                   "build": round(t_build - t_read, 4), "solve": round(t_solve - t_build, 4),
                   "total": round(t_solve - t0, 4)},
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
