#!/usr/bin/python3
"""
test_web.py: the office web application (daemon/web/) in a browser, against three running
pokjad nodes of one lineage (a kabupaten/kota, its province, the national node), each serving
the web API of proto/SPEC.md section 22.

Run with Debian's python3-selenium (/usr/bin/python3, not a pyenv python), chromium and
chromedriver, headless:

    WEB_URL_DISTRICT=http://127.0.0.1:8081 WEB_URL_PROVINCE=http://127.0.0.1:8082 \
    WEB_URL_NATIONAL=http://127.0.0.1:8083 WEB_USER=admin WEB_PASSWORD=... \
    SHOT_DIR=/tmp/shots /usr/bin/python3 tests/web/test_web.py

The user must exist on all three nodes with a role that may write and verify (admin).
WEB_WAIT (seconds, default 60) bounds each wait for replication between the nodes.
Prints TAP lines as tests/cli/lib.sh does ("ok N - ...", "not ok N - ...", "# ..." comments,
then the plan "1..N"); exits 1 if any test failed.
"""
import datetime
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

UI_WAIT = 20  # seconds for a page of the office's own node to show
BULAN = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus',
         'September', 'Oktober', 'November', 'Desember']

_n = 0
_failed = 0


def env(name, default=None):
    v = os.environ.get(name, default)
    if v is None:
        print('not ok 1 - environment: %s is not set' % name)
        print('1..1')
        sys.exit(1)
    return v


URL = {
    'district': env('WEB_URL_DISTRICT').rstrip('/'),
    'province': env('WEB_URL_PROVINCE').rstrip('/'),
    'national': env('WEB_URL_NATIONAL').rstrip('/'),
}
USER = env('WEB_USER')
PASSWORD = env('WEB_PASSWORD')
SHOT_DIR = env('SHOT_DIR', '/tmp')
REPL_WAIT = float(env('WEB_WAIT', '60'))


def comment(text):
    for line in str(text).splitlines() or ['']:
        print('# ' + line)


def result(passed, desc, why=None):
    global _n, _failed
    _n += 1
    if passed:
        print('ok %d - %s' % (_n, desc))
    else:
        _failed += 1
        print('not ok %d - %s' % (_n, desc))
        if why:
            comment(why)
    sys.stdout.flush()
    return passed


def check(desc, fn, *needs):
    """Runs fn (which raises on failure) as test desc; not run when a test it needs failed.
    Returns fn's value, or None when it failed."""
    if not all(n is not None and n is not False for n in needs):
        result(False, desc, 'not run: a test it depends on failed')
        return None
    try:
        v = fn()
        result(True, desc)
        return v if v is not None else True
    except Exception as e:  # one failed test must not stop the others
        why = '%s: %s' % (type(e).__name__, getattr(e, 'msg', None) or e)
        for node, d in list(DRIVERS.items()):
            try:
                why += '\nat %s' % d.current_url
                d.save_screenshot(os.path.join(SHOT_DIR, 'fail-%d-%s.png' % (_n + 1, node)))
            except WebDriverException:
                pass
        result(False, desc, why)
        return None


# ---------- the browsers: one per node, so that each keeps its own session cookie ----------

DRIVERS = {}


def driver(node):
    if node not in DRIVERS:
        o = Options()
        o.binary_location = '/usr/bin/chromium'
        for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                  '--window-size=1280,900', '--lang=id'):
            o.add_argument(a)
        d = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=o)
        d.set_page_load_timeout(UI_WAIT)
        DRIVERS[node] = d
    return DRIVERS[node]


def wait(d, cond, timeout=UI_WAIT, msg=''):
    return WebDriverWait(d, timeout, poll_frequency=0.2).until(cond, msg)


def settled(d):
    """The app has answered: the login form, or a page with no request in flight."""
    return d.execute_script(
        "const m = document.getElementById('isi');"
        "return !!m && !m.hasAttribute('aria-busy') && !m.querySelector('.memuat');")


def login(d, password=None):
    d.find_element(By.ID, 'masuk-user').clear()
    d.find_element(By.ID, 'masuk-user').send_keys(USER)
    d.find_element(By.ID, 'masuk-password').clear()
    d.find_element(By.ID, 'masuk-password').send_keys(password or PASSWORD)
    d.find_element(By.ID, 'masuk-kirim').click()


def goto(node, route):
    """Loads the app afresh at #ROUTE of the node, logging in when it asks."""
    d = driver(node)
    d.get('about:blank')
    d.get(URL[node] + '/#' + route)
    wait(d, settled, msg='the page did not load: ' + route)
    if d.find_elements(By.ID, 'masuk-user'):
        login(d)
        wait(d, EC.visibility_of_element_located((By.ID, 'kepala')), msg='login failed')
        wait(d, settled, msg='the page did not load after login: ' + route)
    return d


def poll(node, route, probe, what, bound=None):
    """Reloads #ROUTE until probe(driver) is true, for at most REPL_WAIT seconds (or bound);
    returns the driver, at that page."""
    bound = REPL_WAIT if bound is None else bound
    end = time.monotonic() + bound
    while True:
        d = goto(node, route)
        if probe(d):
            return d
        if time.monotonic() > end:
            raise TimeoutException('%s: not seen within %g s' % (what, bound))
        time.sleep(1)


def css(d, sel):
    return d.find_elements(By.CSS_SELECTOR, sel)


def field(d, name):
    return d.find_element(By.CSS_SELECTOR, '#form-rekam [name="%s"]' % name)


def fill(d, name, value):
    el = field(d, name)
    if el.tag_name == 'select':
        Select(el).select_by_value(value)
    else:
        el.clear()
        el.send_keys(value)


def saved_record(d, coll):
    """Waits for the record page a successful save opens; returns (key, region) from its address."""
    prefix = '#/rekam/%s/' % coll
    wait(d, lambda d: prefix in d.current_url, msg='the record page did not open after saving')
    wait(d, settled)
    frag = d.current_url.split('#', 1)[1]
    path, _, query = frag.partition('?')
    key = path.rsplit('/', 1)[1]
    region = ''
    for kv in query.split('&'):
        if kv.startswith('region='):
            region = kv[len('region='):].replace('%2E', '.')
    return key, region


def shot(d, name):
    path = os.path.join(SHOT_DIR, name)
    d.save_screenshot(path)
    if not os.path.getsize(path):
        raise AssertionError('empty screenshot ' + path)


# ---------- the tests ----------

STAMP = 'uji%d' % int(time.time())
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
NAMA = 'Kegiatan %s %s' % (STAMP, XSS)
ST = {}  # what earlier tests learned


def t_wrong_password():
    d = driver('district')
    d.get(URL['district'] + '/#/beranda')
    wait(d, EC.presence_of_element_located((By.ID, 'masuk-user')), msg='no login form')
    login(d, PASSWORD + '-salah')
    wait(d, lambda d: d.find_element(By.ID, 'masuk-pesan').text.strip() != '',
         msg="no message from the server after a wrong password")
    assert not d.find_element(By.ID, 'kepala').is_displayed()


def t_login():
    d = driver('district')
    d.get(URL['district'] + '/#/beranda')
    wait(d, EC.presence_of_element_located((By.ID, 'masuk-user')))
    login(d)
    wait(d, EC.visibility_of_element_located((By.ID, 'kepala')), msg='no header after login')
    wait(d, lambda d: USER in d.find_element(By.ID, 'nama-pengguna').text)
    wait(d, settled)
    assert d.find_elements(By.ID, 'keluar'), 'no Keluar button'


def t_first_paint():
    """The page's first contentful paint, from the navigation's start (the best of three loads of
    the beranda, logged in): under 200 ms from the server on this machine."""
    d = driver('district')
    best = None
    for _ in range(3):
        d.get('about:blank')
        d.get(URL['district'] + '/#/beranda')
        wait(d, settled)
        fcp = wait(d, lambda d: d.execute_script(
            "var e = performance.getEntriesByName('first-contentful-paint');"
            "return e.length ? e[0].startTime : null;"), msg='no first-contentful-paint entry')
        best = fcp if best is None or fcp < best else best
    print('# first contentful paint of the beranda: %.0f ms (best of 3)' % best)
    assert best < 200, 'first contentful paint %.0f ms' % best


def t_form_error():
    d = goto('district', '/baru/kegiatan')
    wait(d, EC.presence_of_element_located((By.ID, 'form-rekam')))
    fill(d, 'nama', NAMA)
    fill(d, 'tahun', '2026')
    fill(d, 'status', 'rencana')
    fill(d, 'sumber_biaya', 'APBD')
    fill(d, 'biaya', 'banyak')
    d.find_element(By.ID, 'simpan').click()
    wait(d, lambda d: field(d, 'biaya').get_attribute('aria-invalid') == 'true',
         msg='biaya is not marked invalid')
    g = d.find_elements(By.XPATH, "//form[@id='form-rekam']//*[@name='biaya']"
                                  "/following-sibling::*[1][contains(@class,'galat')]")
    assert g and g[0].text.strip(), 'no message (class galat) right after the biaya field'
    assert field(d, 'nama').get_attribute('value') == NAMA, 'what was typed in nama was lost'
    assert field(d, 'biaya').get_attribute('value') == 'banyak', 'what was typed in biaya was lost'
    assert '#/baru/kegiatan' in d.current_url
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", field(d, 'biaya'))
    shot(d, 'form.png')


def t_form_fixed():
    d = driver('district')
    fill(d, 'biaya', 'Rp 15.000.000')
    d.find_element(By.ID, 'simpan').click()
    key, region = saved_record(d, 'kegiatan')
    ST['key'], ST['region'] = key, region
    h1 = d.find_element(By.TAG_NAME, 'h1').text
    assert STAMP in h1, 'the record page shows %r' % h1
    return key


def t_in_list():
    d = goto('district', '/daftar/kegiatan?q=' + STAMP)
    row = css(d, 'tr[data-key="%s"]' % ST['key'])
    assert row, 'no row tr[data-key=%s] in the list' % ST['key']
    assert STAMP in row[0].text
    rekap = css(d, 'a#rekap')
    assert rekap and '/api/rekap/kegiatan' in rekap[0].get_attribute('href'), 'no printable rekap link'
    exports = [a.get_attribute('href') for a in css(d, 'a[download]')]
    assert any('format=xlsx' in h for h in exports) and any('format=csv' in h for h in exports), \
        'no xlsx and csv export buttons: %r' % exports


def t_script_as_text():
    for route in ('/daftar/kegiatan?q=' + STAMP,
                  '/rekam/kegiatan/%s?region=%s' % (ST['key'], ST['region'])):
        d = goto('district', route)
        body = d.find_element(By.ID, 'isi').text
        assert '<script>window.__xss=1</script>' in body, 'the <script> is not shown as text on ' + route
        assert not css(d, '#isi script, #isi img'), 'the value became markup on ' + route
        assert d.execute_script('return window.__xss === undefined'), 'the value ran as script'


def t_author():
    """The record page names who wrote it: pokjad's diubah_oleh is {nama, wilayah, kunci}."""
    d = goto('district', '/rekam/kegiatan/%s?region=%s' % (ST['key'], ST['region']))
    text = d.find_element(By.ID, 'diubah-oleh').text.strip()
    assert text not in ('', '-', '[object Object]') and '(32.75)' in text, \
        'Diubah oleh shows %r' % text


def t_history():
    """The record page lists the record's versions (GET record's "history")."""
    d = goto('district', '/rekam/kegiatan/%s?region=%s' % (ST['key'], ST['region']))
    rows = css(d, '#riwayat tbody tr')
    assert rows, 'no version in the Riwayat section: %r' % d.find_element(By.ID, 'riwayat').text


def t_at_province():
    route = '/daftar/kegiatan?q=%s&region=%s' % (STAMP, ST['region'])
    poll('province', route, lambda d: css(d, 'tr[data-key="%s"]' % ST['key']),
         "the district's kegiatan in the province's list")


def t_verify():
    sel = '[data-key="%s"] button[data-verdict="disetujui"]' % ST['key']
    d = poll('province', '/verifikasi', lambda d: css(d, sel), "the kegiatan in the province's queue")
    row = d.find_element(By.CSS_SELECTOR, '[data-key="%s"]' % ST['key'])
    d.find_element(By.CSS_SELECTOR, sel).click()
    wait(d, EC.staleness_of(row), msg='the row stayed in the queue after Setujui')
    wait(d, lambda d: d.find_element(By.ID, 'pesan-verifikasi').text.strip() != '')


def t_verdict_back():
    route = '/rekam/kegiatan/%s?region=%s' % (ST['key'], ST['region'])

    def seen(d):
        s = css(d, '#status-verifikasi')
        return s and 'disetujui' in s[0].text
    poll('district', route, seen, "the province's verdict on the district's record page")


def t_node():
    """The Node page (GET /api/status) names the district's parent, the province, connected."""
    def seen(d):
        rows = [r.text for r in css(d, '#node-peers tbody tr')]
        return any('(32)' in t and 'terhubung' in t and 'tidak terhubung' not in t for t in rows)
    # The link is up long before (the province's list had the district's record): a short bound.
    d = poll('district', '/node', seen, 'the province as the connected parent on the Node page',
             UI_WAIT)
    shot(d, 'node.png')


def deadline():
    day = datetime.date.today() + datetime.timedelta(days=10)
    return day, '%d %s %d' % (day.day, BULAN[day.month - 1], day.year)


def t_arahan_national():
    d = goto('national', '/baru/arahan')
    wait(d, EC.presence_of_element_located((By.ID, 'form-rekam')))
    fill(d, 'judul', 'Arahan ' + STAMP)
    fill(d, 'isi', 'Mohon laporan tindak lanjut uji ' + STAMP)
    fill(d, 'wilayah_sasaran', ST['region'])
    fill(d, 'batas_tindak_lanjut', deadline()[1])
    d.find_element(By.ID, 'simpan').click()
    ST['arahan'], ST['arahan_region'] = saved_record(d, 'arahan')
    return True


def t_arahan_beranda():
    sel = '[data-arahan="%s"]' % ST['arahan']
    d = poll('district', '/beranda', lambda d: css(d, sel), "the national arahan on the district's beranda")
    text = d.find_element(By.CSS_SELECTOR, sel).text
    assert deadline()[1] in text, 'the deadline %r is not in %r' % (deadline()[1], text)
    shot(d, 'beranda.png')


def t_tindak_lanjut():
    d = goto('district', '/beranda')
    row = d.find_element(By.CSS_SELECTOR, '[data-arahan="%s"]' % ST['arahan'])
    row.find_element(By.PARTIAL_LINK_TEXT, 'Tindak lanjut').click()
    wait(d, lambda d: '#/baru/tindak_lanjut' in d.current_url)
    wait(d, EC.presence_of_element_located((By.ID, 'form-rekam')))
    assert field(d, 'arahan').get_attribute('value') == ST['arahan'], 'the arahan is not filled in'
    fill(d, 'uraian', 'Sudah dilaksanakan ' + STAMP)
    fill(d, 'status', 'selesai')
    d.find_element(By.ID, 'simpan').click()
    saved_record(d, 'tindak_lanjut')


def t_arahan_closed():
    sel = '[data-arahan="%s"]' % ST['arahan']
    poll('district', '/beranda', lambda d: not css(d, sel), 'the arahan leaving the beranda after its tindak_lanjut')


def main():
    os.makedirs(SHOT_DIR, exist_ok=True)
    try:
        check('a wrong password shows the server message', t_wrong_password)
        logged = check('log in at the district', t_login)
        check('the beranda paints within 200 ms of the navigation (best of 3)', t_first_paint, logged)
        err = check('a kegiatan with biaya "banyak" shows the error at that field and keeps the input', t_form_error, logged)
        key = check('fixed, it saves and opens the record page', t_form_fixed, err)
        check("the new kegiatan is in the district's list, with export buttons and a printable rekap", t_in_list, key)
        check('a <script> value shows as text', t_script_as_text, key)
        check('the record page says who wrote it, with the region', t_author, key)
        check('the record page shows its history', t_history, key)
        up = check("it arrives in the province's list", t_at_province, key)
        ver = check('the province approves it (Setujui) from its queue', t_verify, up)
        check("the verdict shows on the district's record page", t_verdict_back, ver)
        check('the Node page shows the province as the connected parent', t_node, logged)
        ar = check('an arahan is written at the national node', t_arahan_national, logged)
        due = check("it appears on the district's beranda with its deadline", t_arahan_beranda, ar)
        tl = check('a tindak_lanjut from the beranda carries the arahan', t_tindak_lanjut, due)
        check('the tindak_lanjut closes it on the beranda', t_arahan_closed, tl)
        check('screenshots of the beranda and a form in SHOT_DIR',
              lambda: all(os.path.getsize(os.path.join(SHOT_DIR, f)) for f in ('beranda.png', 'form.png')))
    finally:
        for d in DRIVERS.values():
            try:
                d.quit()
            except WebDriverException:
                pass
    print('1..%d' % _n)
    return 1 if _failed else 0


if __name__ == '__main__':
    sys.exit(main())
