"""The standard name record over HTTP, end to end: a real `civgis serve` on loopback, real
tokens. GET /collections/{c}/items/{f}/name shows the record (JSON and HTML, with ETags);
an officer corrects it with PATCH (pinyin becomes 'edited', approval and filing), adds and
closes aliases and former names under .../name/variants; every write is validated (422
with every reason), versioned, audited, searchable at once, and refused to the anonymous
(401), to roles below officer and to officers outside their scope (403)."""
import json
import os
import unittest
import urllib.parse

from civgis_test import Server, add_user, bearer, connect, demo_copy

TOWN = "/collections/townships/items/610626104/name"  # 长官庙镇, 吴起县


def names_state(db):
    """Everything a refused change must leave alone."""
    con = connect(db)
    out = {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
           for t in ("divisions", "places", "name_variants", "audit")}
    con.close()
    return out


class NameRecords(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.db = demo_copy("name-records")
        cls.tokens = {
            "officer": add_user(cls.db, "officer1", "officer"),
            "admin": add_user(cls.db, "admin1", "admin"),
            "planner": add_user(cls.db, "planner1", "planner"),
            "viewer": add_user(cls.db, "viewer1", "viewer"),
            "officer_elsewhere": add_user(cls.db, "officer-yanchang", "officer", "610621"),
            "officer_wuqi": add_user(cls.db, "officer-wuqi", "officer", "610626"),
        }
        cls.srv = Server(cls.db).__enter__()

    @classmethod
    def tearDownClass(cls):
        # a clean exit: under ASan a leak or an error would make it non-zero
        assert cls.srv.stop() == 0

    def send(self, method, path, body, who="officer", headers=None, raw=None):
        h = {"Content-Type": "application/merge-patch+json" if method == "PATCH"
             else "application/json"}
        if who:
            h.update(bearer(self.tokens[who]))
        h.update(headers or {})
        data = raw if raw is not None else json.dumps(body).encode()
        status, hdrs, out = self.srv.get(path, method=method, data=data, headers=h)
        return status, hdrs, json.loads(out) if out else None

    def search(self, text):
        _, _, fc = self.srv.get_json("/search?" + urllib.parse.urlencode({"q": text}))
        return fc["features"]

    def test_the_record_json_html_and_etag(self):
        status, h, rec = self.srv.get_json("/collections/villages/items/610626104200/name")
        self.assertEqual(status, 200)
        self.assertEqual((rec["id"], rec["name"], rec["level"]),
                         ("610626104200", "长官庙村委会", 5))
        self.assertEqual(rec["division"], "延安市 / 吴起县 / 长官庙镇")
        self.assertEqual(rec["pinyin_source"], "generated")
        self.assertEqual([v["name"] for v in rec["versions"]], ["长官庙村委会"])
        self.assertIn("public", h["Cache-Control"])
        status, _, _ = self.srv.get("/collections/villages/items/610626104200/name",
                                    headers={"If-None-Match": h["ETag"]})
        self.assertEqual(status, 304)
        status, hh, page = self.srv.get("/collections/villages/items/610626104200/name?f=html")
        self.assertEqual(status, 200)
        self.assertIn("text/html", hh["Content-Type"])
        self.assertIn("长官庙村委会", page.decode())
        self.assertNotEqual(hh["ETag"], h["ETag"])
        # Not a record: facilities keep none; a township is not a county; no such code.
        for path, want in (("/collections/facilities/items/F0001/name", 404),
                           ("/collections/counties/items/610626104/name", 404),
                           ("/collections/townships/items/610626999/name", 404)):
            status, _, err = self.srv.get_json(path)
            self.assertEqual(status, want, path)
            self.assertIn("description", err)

    def test_who_may_correct_a_record(self):
        before = names_state(self.db)
        body = {"pinyin": "Chángguānmiào Zhèn"}
        status, h, err = self.send("PATCH", TOWN, body, who=None)
        self.assertEqual(status, 401, err)
        self.assertIn("Bearer", h["WWW-Authenticate"])
        for who in ("viewer", "planner", "officer_elsewhere"):
            status, _, err = self.send("PATCH", TOWN, body, who=who)
            self.assertEqual(status, 403, who)
            self.assertEqual(err["code"], "forbidden", who)
        status, _, err = self.send("POST", TOWN + "/variants",
                                   {"kind": "alias", "name": "长官庙"}, who="officer_elsewhere")
        self.assertEqual(status, 403, err)
        self.assertIn("outside the scope", err["description"])
        self.assertEqual(names_state(self.db), before)

    def test_a_pinyin_correction_is_edited_versioned_audited_and_searchable(self):
        path = "/collections/townships/items/610626105/name"  # 长城镇
        _, h0, rec0 = self.srv.get_json(path)
        status, h, rec = self.send(
            "PATCH", path, {"pinyin": "Chángchéng Zhèn", "approved_by": "吴起县人民政府",
                            "approval_doc": "吴政发〔2015〕3号", "approval_date": "2015-06-01",
                            "filing_status": "filed", "filing_date": "2015-07-01"},
            who="officer_wuqi", headers={"If-Match": h0["ETag"],
                                         "X-Change-Reason": "filing"})
        self.assertEqual(status, 200, rec)
        self.assertEqual((rec["pinyin"], rec["pinyin_source"]), ("Chángchéng Zhèn", "edited"))
        self.assertEqual((rec["approval_doc"], rec["filing_status"]), ("吴政发〔2015〕3号", "filed"))
        self.assertNotEqual(h["ETag"], h0["ETag"])
        _, h1, again = self.srv.get_json(path)
        self.assertEqual(h1["ETag"], h["ETag"])  # what the write answered is what GET sends
        self.assertEqual(again["changes"][-1]["action"], "names_set")
        self.assertEqual(again["changes"][-1]["user"], "officer-wuqi")
        # versioned: the old state is a closed division row
        con = connect(self.db)
        rows = con.execute("SELECT pinyin_source, valid_to IS NULL FROM divisions WHERE code ="
                           " '610626105' ORDER BY id").fetchall()
        user, action, reason, before, after = con.execute(
            "SELECT user, action, reason, before, after FROM audit WHERE target_id = '610626105'"
            " ORDER BY id DESC LIMIT 1").fetchone()
        con.close()
        self.assertEqual(rows[-1], ("edited", 1))
        if rec0["valid_from"] < again["valid_from"]:
            self.assertEqual(rows[-2][1], 0)
        self.assertEqual((user, action, reason), ("officer-wuqi", "names_set", "filing"))
        self.assertEqual(json.loads(before)["pinyin_source"], rec0["pinyin_source"])
        self.assertEqual(json.loads(after)["approval_date"], "2015-06-01")
        # the stale ETag no longer matches: 412 with the current one
        status, h2, err = self.send("PATCH", path, {"approved_by": "x"},
                                    headers={"If-Match": h0["ETag"]})
        self.assertEqual(status, 412, err)
        self.assertEqual(h2["ETag"], h["ETag"])
        first = self.search("Chángchéng Zhèn")[0]
        self.assertEqual((first["id"], first["properties"]["pinyin_source"]),
                         ("divisions/610626105", "edited"))

    def test_a_broken_rule_is_422_with_every_reason_and_writes_nothing(self):
        before = names_state(self.db)
        status, _, err = self.send("PATCH", TOWN, {
            "pinyin": "Chángguānsì Zhèn", "approval_date": "2021-13-01",
            "filing_status": "announced", "valid_from": "2999-01-01", "pinyin_source": "guess"})
        self.assertEqual(status, 422, err)
        self.assertEqual(err["code"], "rejected")
        props = sorted(e["property"] for e in err["errors"])
        self.assertEqual(props, ["approval_date", "filing_date", "pinyin", "pinyin_source",
                                 "valid_from"])
        self.assertIn("庙", [e for e in err["errors"] if e["property"] == "pinyin"][0]
                      ["description"])
        for body, raw, ctype, want in (({"nickname": "x"}, None, None, 400),
                                       ({"pinyin": 3}, None, None, 400),
                                       (None, b"{not json", None, 400),
                                       ({}, None, None, 422),
                                       ({"pinyin": "x"}, None, "text/plain", 415)):
            status, _, err = self.send("PATCH", TOWN, body, raw=raw,
                                       headers={"Content-Type": ctype} if ctype else None)
            self.assertEqual(status, want, (body, raw, err))
            self.assertTrue(err["description"])
        # A name a sibling has is refused; it names the sibling.
        status, _, err = self.send("PATCH", TOWN, {"name": "长城镇"})
        self.assertEqual(status, 422, err)
        self.assertIn("610626105", err["errors"][0]["description"])
        self.assertEqual(names_state(self.db), before)

    def test_force_takes_a_reading_the_table_does_not_know(self):
        path = "/collections/villages/items/610626104201/name"  # 齐桥村委会
        status, _, err = self.send("PATCH", path, {"pinyin": "Xīqiáo Cūnwěihuì"})
        self.assertEqual(status, 422, err)
        status, _, rec = self.send("PATCH", path + "?force=true",
                                   {"pinyin": "Xīqiáo Cūnwěihuì"})
        self.assertEqual(status, 200, rec)
        self.assertEqual((rec["pinyin"], rec["pinyin_source"]), ("Xīqiáo Cūnwěihuì", "edited"))

    def test_former_names_and_aliases_with_dates(self):
        path = "/collections/townships/items/610626108/name"  # 庙沟镇
        status, h, rec = self.send("POST", path + "/variants", {
            "kind": "former", "name": "庙沟乡", "valid_from": "1984-01-01",
            "valid_to": "2011-05-20", "approved_by": "陕西省人民政府",
            "approval_doc": "陕政函〔2011〕87号", "approval_date": "2011-05-20"},
            headers={"X-Change-Reason": "township became a town"})
        self.assertEqual(status, 201, rec)
        former = rec["former_names"][0]
        self.assertEqual((former["name"], former["valid_to"], former["pinyin_source"]),
                         ("庙沟乡", "2011-05-20", "generated"))
        self.assertTrue(h["Location"].endswith(f"/variants/{former['id']}"), h["Location"])
        status, _, one = self.srv.get_json(urllib.parse.urlparse(h["Location"]).path)
        self.assertEqual((status, one["approval_doc"]), (200, "陕政函〔2011〕87号"))
        status, _, rec = self.send("POST", path + "/variants",
                                   {"kind": "alias", "name": "庙沟川", "pinyin": "Miàogōuchuān"})
        self.assertEqual(status, 201, rec)
        alias = rec["aliases"][0]
        self.assertEqual(alias["pinyin_source"], "edited")
        # the current name, the former name and the alias all find it at once
        for text, want in (("庙沟镇", "standard"), ("庙沟乡", "former"), ("miaogouxiang", "former"),
                           ("庙沟川", "alias")):
            first = self.search(text)[0]
            self.assertEqual(first["id"], "divisions/610626108", text)
            self.assertEqual(first["properties"]["matched"]["as"], want, text)
        hit = self.search("庙沟乡")[0]["properties"]["matched"]
        self.assertEqual((hit["valid_from"], hit["valid_to"]), ("1984-01-01", "2011-05-20"))
        # close the alias: it gets its last day; its dates must be in order
        vpath = f"{path}/variants/{alias['id']}"
        status, _, err = self.send("PATCH", vpath, {"valid_from": "2020-01-01",
                                                    "valid_to": "2019-01-01"})
        self.assertEqual(status, 422, err)
        status, _, rec = self.send("PATCH", vpath, {"valid_to": "2024-01-01"})
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec["aliases"][0]["valid_to"], "2024-01-01")
        con = connect(self.db)
        actions = [r[0] for r in con.execute(
            "SELECT action FROM audit WHERE target = 'divisions' AND target_id = '610626108'"
            " ORDER BY id")]
        audited = json.loads(con.execute(
            "SELECT after FROM audit WHERE action = 'names_variant_set' AND target_id ="
            " '610626108'").fetchone()[0])
        con.close()
        self.assertEqual(actions, ["names_variant_add", "names_variant_add", "names_variant_set"])
        self.assertEqual((audited["id"], audited["valid_to"]), (alias["id"], "2024-01-01"))
        # refused: a duplicate, the standard name itself, a kind that is neither, no variant
        for body, prop in (({"kind": "former", "name": "庙沟乡"}, "name"),
                           ({"kind": "alias", "name": "庙沟镇"}, "name"),
                           ({"kind": "nickname", "name": "沟"}, "kind"),
                           ({"name": "沟"}, "kind")):
            status, _, err = self.send("POST", path + "/variants", body)
            self.assertEqual(status, 422, body)
            self.assertIn(prop, [e["property"] for e in err["errors"]], body)
        status, _, err = self.send("PATCH", path + "/variants/99999", {"valid_to": "2024-01-01"})
        self.assertEqual(status, 404, err)

    def test_a_rename_keeps_the_old_name_searchable_at_once(self):
        path = "/collections/townships/items/610626106/name"  # 五谷城镇
        status, _, rec = self.send("PATCH", path, {"name": "五谷城新镇",
                                                   "change_reason": "更名 (rename)"})
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec["pinyin_source"], "generated")
        self.assertEqual([v["name"] for v in rec["versions"]][-2:], ["五谷城镇", "五谷城新镇"])
        for text, want in (("五谷城新镇", "standard"), ("五谷城镇", "former")):
            first = self.search(text)[0]
            self.assertEqual((first["id"], first["properties"]["matched"]["as"]),
                             ("divisions/610626106", want), text)

    def test_search_etags_follow_the_names_data_version(self):
        q = "/search?" + urllib.parse.urlencode({"q": "白豹"})
        status, h, body = self.srv.get(q)
        self.assertEqual(status, 200)
        tag = h["ETag"]
        self.assertRegex(tag, r'^"[0-9a-f]{16}"$')  # strong
        self.assertEqual(h["Cache-Control"], "public, no-cache")
        status, h304, body = self.srv.get(q, headers={"If-None-Match": tag})
        self.assertEqual((status, body, h304["ETag"]), (304, b"", tag))
        # every parameter that shapes the bytes names a different tag
        others = {self.srv.get(q + extra)[1]["ETag"]
                  for extra in ("&limit=3", "&f=html", "&level=4", "&within=610626",
                                "&category=town", "&bbox=107,36,109,38")}
        others.add(self.srv.get(q, headers={"Accept-Encoding": "gzip"})[1]["ETag"])
        self.assertEqual(len(others), 7)
        self.assertNotIn(tag, others)
        # an edit elsewhere (a facility) keeps it; a name change anywhere moves it
        con = connect(self.db)
        con.execute("UPDATE facilities SET capacity = capacity + 1 WHERE fid = 'F0001'")
        con.commit()
        self.assertEqual(self.srv.get(q, headers={"If-None-Match": tag})[0], 304)
        status, _, rec = self.send("POST", "/collections/townships/items/610626103/name/variants",
                                   {"kind": "alias", "name": "白豹川"})
        self.assertEqual(status, 201, rec)
        status, h2, _ = self.srv.get(q, headers={"If-None-Match": tag})
        self.assertEqual(status, 200)
        self.assertNotEqual(h2["ETag"], tag)
        # another program's write to the variants (the sqlite3 shell) moves it too
        con.execute("UPDATE name_variants SET note = 'checked' WHERE name = '白豹川'")
        con.commit()
        con.close()
        status, h3, _ = self.srv.get(q, headers={"If-None-Match": h2["ETag"]})
        self.assertEqual(status, 200)
        self.assertNotEqual(h3["ETag"], h2["ETag"])
        # an error is neither tagged nor cached
        status, he, _ = self.srv.get("/search?q=%20")
        self.assertEqual(status, 400)
        self.assertIsNone(he["ETag"])
        self.assertIsNone(he["Cache-Control"])

    def part4(self, method, path, props, geometry=None):
        body = {"type": "Feature", "properties": props}
        if geometry:
            body["geometry"] = geometry
        ctype = "application/merge-patch+json" if method == "PATCH" else "application/geo+json"
        return self.send(method, path, body, headers={"Content-Type": ctype,
                                                      "X-Change-Reason": "uniqueness"})

    def test_standard_names_are_unique_per_level_through_part_4_too(self):
        before = names_state(self.db)
        # two villages of one township (庙沟镇)
        status, _, err = self.part4("PATCH", "/collections/villages/items/610626108201",
                                    {"name": "吴水口村委会"})
        self.assertEqual(status, 422, err)
        self.assertEqual(err["errors"][0]["property"], "name")
        self.assertIn("610626108200", err["errors"][0]["description"])
        # two townships of one county
        status, _, err = self.part4("PATCH", "/collections/townships/items/610626102",
                                    {"name": "白豹镇", "change_reason": "test"})
        self.assertEqual(status, 422, err)
        self.assertIn("610626103", err["errors"][0]["description"])
        self.assertEqual(names_state(self.db), before)
        # the same name in another township is no conflict
        status, _, out = self.part4("PATCH", "/collections/villages/items/610626101202",
                                    {"name": "吴水口村委会"})
        self.assertEqual(status, 200, out)
        # places: one name per category in a division
        _, _, seat = self.srv.get_json("/collections/villages/items/610626108200")
        point = {"type": "Point", "coordinates": seat["geometry"]["coordinates"]
                 if seat["geometry"]["type"] == "Point" else [108.1, 36.9]}
        bridge = {"name": "庙沟大桥", "category": "bridge", "division_code": "610626108"}
        status, _, out = self.part4("POST", "/collections/places/items", bridge, point)
        self.assertEqual(status, 201, out)
        status, _, err = self.part4("POST", "/collections/places/items", bridge, point)
        self.assertEqual(status, 422, err)
        self.assertIn(out["id"], err["errors"][0]["description"])
        status, _, out2 = self.part4("POST", "/collections/places/items",
                                     {**bridge, "category": "road"}, point)
        self.assertEqual(status, 201, out2)

    def test_homophones_are_reported_on_the_record(self):
        # 郑庄镇 and a sibling renamed to read the same under other characters
        status, _, rec = self.send("PATCH", "/collections/townships/items/610621103/name",
                                   {"name": "正庄镇", "pinyin": "Zhèngzhuāng Zhèn"})
        self.assertEqual(status, 200, rec)
        self.assertEqual(rec["homophones"], [{"id": "610621102", "name": "郑庄镇",
                                              "pinyin": "Zhèngzhuāng Zhèn"}])
        _, _, other = self.srv.get_json("/collections/townships/items/610621102/name")
        self.assertEqual([h["id"] for h in other["homophones"]], ["610621103"])
        _, _, alone = self.srv.get_json("/collections/townships/items/610621104/name")
        self.assertEqual(alone["homophones"], [])

    def test_the_api_definition_describes_the_record(self):
        _, _, api = self.srv.get_json("/api")
        item = api["paths"]["/collections/{collectionId}/items/{featureId}/name"]
        self.assertEqual(set(item), {"get", "patch"})
        self.assertIn("security", item["patch"])
        ref = item["patch"]["requestBody"]["content"]["application/merge-patch+json"]["schema"]
        self.assertEqual(ref["$ref"], "#/components/schemas/NameRecordPatch")
        schema = api["components"]["schemas"]["NameRecordPatch"]
        self.assertEqual(schema["properties"]["filing_status"]["enum"],
                         ["pending", "filed", "announced"])
        variants = api["paths"]["/collections/{collectionId}/items/{featureId}/name/variants"]
        self.assertIn("post", variants)
        self.assertIn("kind", api["components"]["schemas"]["NameVariant"]["properties"])


if __name__ == "__main__":
    unittest.main()
