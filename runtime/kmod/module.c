/*
 * module: the init/exit skeleton of every generated module (see module.h).
 *
 * init (insmod, process context): session state, lock-order check,
 * transport files, per-CPU contexts, global storage, the module's own
 * init hook.  Nothing runs yet: staprun's "start" runs the begin probes.
 * exit (rmmod): stops the session if staprun did not (probes disarmed,
 * end/error probes run), removes the files, frees everything.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include "kmod/context.h"
#include "kmod/lock.h"
#include "kmod/map.h"
#include "kmod/module.h"
#include "kmod/pmap.h"
#include "kmod/probe.h"
#include "kmod/session.h"
#include "kmod/usym.h"
#include "kmod/stat.h"
#include "kmod/timing.h"
#include "kmod/transport.h"

/* staprun -b: data ring size in MB (0: CTAP_DATA_RING_MB). */
static unsigned int _ctap_bufsize;
module_param(_ctap_bufsize, uint, 0);
MODULE_PARM_DESC(_ctap_bufsize, "output buffer size in MB");

/* staprun -r N:URI, for remote_id() / remote_uri(). */
static int _ctap_remote_id = -1;
module_param(_ctap_remote_id, int, 0);
static char _ctap_remote_uri[MAXSTRINGLEN];
module_param_string(_ctap_remote_uri, _ctap_remote_uri, sizeof(_ctap_remote_uri), 0);

long _ctap_remote_id_get(void)
{
	return _ctap_remote_id;
}

const char *_ctap_remote_uri_get(void)
{
	return _ctap_remote_uri;
}

static int _ctap_check_locks(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nprobes; i++) {
		const struct _ctap_probe *p = &_ctap_module.probes[i];

		if (_ctap_locks_check(p->locks, p->nlocks)) {
			pr_err("%s: locks of probe %s are not in ascending order\n",
			       THIS_MODULE->name, p->pp);
			return -EINVAL;
		}
	}
	return 0;
}

static void _ctap_globals_free(void)
{
	unsigned int i;

	for (i = 0; i < _ctap_module.nmaps; i++)
		_ctap_map_free(_ctap_module.maps[i]);
	for (i = 0; i < _ctap_module.npmaps; i++)
		_ctap_pmap_free(_ctap_module.pmaps[i]);
	for (i = 0; i < _ctap_module.nstats; i++)
		_ctap_stat_free(_ctap_module.stats[i]);
}

static int _ctap_globals_alloc(void)
{
	unsigned int i;
	u32 sort_cap = 0;
	int rc = 0;

	for (i = 0; !rc && i < _ctap_module.nmaps; i++) {
		rc = _ctap_map_alloc(_ctap_module.maps[i]);
		sort_cap = max(sort_cap, _ctap_module.maps[i]->cap);
	}
	for (i = 0; !rc && i < _ctap_module.npmaps; i++) {
		rc = _ctap_pmap_alloc(_ctap_module.pmaps[i]);
		sort_cap = max(sort_cap, _ctap_module.pmaps[i]->agg.cap);
	}
	for (i = 0; !rc && i < _ctap_module.nstats; i++)
		rc = _ctap_stat_alloc(_ctap_module.stats[i]);
	if (!rc)
		rc = _ctap_contexts_alloc_sort(sort_cap);
	if (rc)
		_ctap_globals_free();
	return rc;
}

static int __init _ctap_module_init(void)
{
	int rc;

	_ctap_session_init();
	rc = _ctap_check_locks();
	if (rc)
		return rc;
	rc = _ctap_transport_init(_ctap_bufsize);
	if (rc)
		goto fail;
	rc = _ctap_contexts_alloc(_ctap_module.locals_size);
	if (rc)
		goto fail_transport;
	rc = _ctap_globals_alloc();
	if (rc)
		goto fail_contexts;
	rc = _ctap_timing_alloc(_ctap_module.nprobes);
	if (rc)
		goto fail_timing;
	_ctap_uobjs_open();
	if (_ctap_module.init) {
		rc = _ctap_module.init();
		if (rc)
			goto fail_globals;
	}
	return 0;

fail_globals:
	_ctap_uobjs_close();
fail_timing:
	_ctap_timing_free();
	_ctap_globals_free();
fail_contexts:
	_ctap_contexts_free();
fail_transport:
	_ctap_transport_exit();
fail:
	pr_err("%s: initialisation failed (rc %d)\n", THIS_MODULE->name, rc);
	return rc;
}

static void __exit _ctap_module_exit(void)
{
	_ctap_session_stop();
	_ctap_transport_exit();
	if (_ctap_module.exit)
		_ctap_module.exit();
	_ctap_uobjs_close();
	_ctap_timing_free();
	_ctap_globals_free();
	_ctap_contexts_free();
}

module_init(_ctap_module_init);
module_exit(_ctap_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ctap-generated probe module");
