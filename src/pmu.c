/* pmu.c - see pmu.h. */
#include "pmu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Linux's perf_event.h first: libpfm4's copy of it steps aside then. */
#include "sysfspmu.h"
#include "suggest.h"
#include <perfmon/pfmlib_perf_event.h>

int pmu_init(void)
{
	return pfm_initialize() == PFM_SUCCESS ? 0 : -ENODEV;
}

/* The next PMU after pmu (start with PFM_PMU_NONE) that libpfm4 detects on
 * this machine, its description in *pinfo; -1 after the last. */
static int next_present(int pmu, pfm_pmu_info_t *pinfo)
{
	while (++pmu < PFM_PMU_MAX) {
		memset(pinfo, 0, sizeof(*pinfo));
		pinfo->size = sizeof(*pinfo);
		if (pfm_get_pmu_info(pmu, pinfo) == PFM_SUCCESS && pinfo->is_present)
			return pmu;
	}
	return -1;
}

int pmu_host(char *buf, size_t cap)
{
	pfm_pmu_info_t pinfo;

	buf[0] = '\0';
	if (pmu_init() < 0)
		return -ENODEV;
	for (int pmu = next_present(PFM_PMU_NONE, &pinfo); pmu >= 0; pmu = next_present(pmu, &pinfo)) {
		if (pinfo.type == PFM_PMU_TYPE_CORE) {
			snprintf(buf, cap, "%s", pinfo.name);
			return 0;
		}
	}
	return -ENODEV;
}

/* The CPU as /proc/cpuinfo names it: x86's model name, family and model, or
 * arm64's implementer and part numbers (what libpfm4 matches its tables on). */
static void cpu_model(char *buf, size_t cap)
{
	char line[256], name[128] = "", family[32] = "", model[32] = "", impl[32] = "", part[32] = "";
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v += 1 + strspn(v + 1, " \t");
		v[strcspn(v, "\n")] = '\0';
		if (!name[0] && strncmp(line, "model name", 10) == 0)
			snprintf(name, sizeof(name), "%s", v);
		else if (!family[0] && strncmp(line, "cpu family", 10) == 0)
			snprintf(family, sizeof(family), "%s", v);
		else if (!model[0] && strncmp(line, "model\t", 6) == 0)
			snprintf(model, sizeof(model), "%s", v);
		else if (!impl[0] && strncmp(line, "CPU implementer", 15) == 0)
			snprintf(impl, sizeof(impl), "%s", v);
		else if (!part[0] && strncmp(line, "CPU part", 8) == 0)
			snprintf(part, sizeof(part), "%s", v);
	}
	if (f)
		fclose(f);
	if (impl[0])
		snprintf(buf, cap, "implementer %s, part %s", impl, part);
	else if (family[0])
		snprintf(buf, cap, "%s, family %s model %s", name[0] ? name : "unnamed", family, model);
	else
		snprintf(buf, cap, "unknown: no /proc/cpuinfo");
}

void pmu_no_table(char *buf, size_t cap)
{
	char cpu[200];

	cpu_model(cpu, sizeof(cpu));
	snprintf(buf, cap, "the installed libpfm4 has no event table for this CPU (%s)", cpu);
}

int pmu_cpu_present(void)
{
	char name[64];

	return sysfspmu_name(PERF_TYPE_RAW, name, sizeof(name)) == 0;
}

int pmu_for_each_event(pmu_event_fn fn, void *ctx)
{
	pfm_pmu_info_t pinfo;
	int r;

	if (pmu_init() < 0)
		return -ENODEV;
	for (int pmu = next_present(PFM_PMU_NONE, &pinfo); pmu >= 0; pmu = next_present(pmu, &pinfo)) {
		/* perf's own names are listed as generic events; perf_raw is rNNNN. */
		if (strcmp(pinfo.name, "perf") == 0 || strcmp(pinfo.name, "perf_raw") == 0)
			continue;
		for (int ev = pinfo.first_event; ev != -1; ev = pfm_get_event_next(ev)) {
			pfm_event_info_t einfo = { .size = sizeof(einfo) };
			char name[256];
			int umasks = 0;

			if (pfm_get_event_info(ev, PFM_OS_PERF_EVENT_EXT, &einfo) != PFM_SUCCESS)
				continue;
			for (int a = 0; a < einfo.nattrs; a++) {
				pfm_event_attr_info_t ainfo = { .size = sizeof(ainfo) };

				if (pfm_get_event_attr_info(ev, a, PFM_OS_PERF_EVENT_EXT, &ainfo) != PFM_SUCCESS ||
				    ainfo.type != PFM_ATTR_UMASK)
					continue;
				umasks++;
				snprintf(name, sizeof(name), "%s:%s", einfo.name, ainfo.name);
				r = fn(ctx, pinfo.name, pinfo.desc, name, ainfo.desc ? ainfo.desc : "");
				if (r)
					return r;
			}
			if (umasks)
				continue;
			r = fn(ctx, pinfo.name, pinfo.desc, einfo.name, einfo.desc ? einfo.desc : "");
			if (r)
				return r;
		}
	}
	return 0;
}

void pmu_explain_attribute(const char *base, const char *text, int code, char *err, size_t errlen)
{
	char prefix[256], known[256] = "";
	size_t off = 0, bad_at = 0, bad_len;
	int idx;

	/* Encode longer and longer prefixes: the first that fails ends at the bad one. */
	for (size_t i = 0; base[i]; i++) {
		if (base[i] != ':' || base[i + 1] == ':' || (i && base[i - 1] == ':'))
			continue;
		if (!bad_at)
			bad_at = i + 1;
		snprintf(prefix, sizeof(prefix), "%.*s", (int)i, base);
		if (i > 0 && strchr(prefix, ':')) {
			pfm_perf_encode_arg_t arg;
			struct perf_event_attr a;

			memset(&arg, 0, sizeof(arg));
			memset(&a, 0, sizeof(a));
			arg.attr = &a;
			arg.size = sizeof(arg);
			if (pfm_get_os_event_encoding(prefix, PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg) != PFM_SUCCESS)
				break;
		}
		bad_at = i + 1;
	}
	if (!bad_at)
		bad_at = strlen(base);
	bad_len = strcspn(base + bad_at, ":");
	snprintf(prefix, sizeof(prefix), "%.*s", (int)strcspn(base, ":"), base);
	idx = pfm_find_event(prefix);
	if (idx >= 0) {
		pfm_event_info_t einfo = { .size = sizeof(einfo) };

		if (pfm_get_event_info(idx, PFM_OS_PERF_EVENT_EXT, &einfo) == PFM_SUCCESS) {
			for (int a = 0; a < einfo.nattrs && off < sizeof(known) - 1; a++) {
				pfm_event_attr_info_t ainfo = { .size = sizeof(ainfo) };
				int w;

				if (pfm_get_event_attr_info(idx, a, PFM_OS_PERF_EVENT_EXT, &ainfo) != PFM_SUCCESS)
					continue;
				w = snprintf(known + off, sizeof(known) - off, "%s%s", off ? ", " : "", ainfo.name);
				if (w < 0 || (size_t)w >= sizeof(known) - off) {
					known[off] = '\0';
					break;
				}
				off += w;
			}
		}
	}
	if (bad_len == 0) {
		if (known[0])
			snprintf(err, errlen, "event '%s' needs a unit mask: %s:MASK (this event's: %s)",
				 text, text, known);
		else
			snprintf(err, errlen, "event '%s' needs a unit mask (see 'hwprof list %s')", text, prefix);
		return;
	}
	snprintf(err, errlen, "event '%s': %s '%.*s' (modifiers: u, k, h, p, pp, ppp, period=N, freq=N%s%s)",
		 text, code == PFM_ERR_ATTR_VAL ? "bad value in" : "unknown modifier or unit mask",
		 (int)bad_len, base + bad_at, known[0] ? "; this event's: " : "", known);
}

void pmu_suggest(const char *name, const char *const *extra, char *buf, size_t cap, int max)
{
	struct suggest sg;
	char base[96];
	int pmu;

	snprintf(base, sizeof(base), "%.*s", (int)strcspn(name, ":"), name);
	suggest_init(&sg, base, max);
	for (size_t i = 0; extra && extra[i]; i++)
		suggest_consider(&sg, extra[i]);
	if (pmu_init() == 0) {
		pfm_for_all_pmus(pmu) {
			pfm_pmu_info_t pinfo = { .size = sizeof(pinfo) };

			if (pfm_get_pmu_info(pmu, &pinfo) != PFM_SUCCESS || !pinfo.is_present)
				continue;
			for (int ev = pinfo.first_event; ev != -1; ev = pfm_get_event_next(ev)) {
				pfm_event_info_t einfo = { .size = sizeof(einfo) };

				if (pfm_get_event_info(ev, PFM_OS_NONE, &einfo) == PFM_SUCCESS)
					suggest_consider(&sg, einfo.name);
			}
		}
	}
	suggest_format(&sg, buf, cap);
}
