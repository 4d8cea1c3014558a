/* SPDX-License-Identifier: GPL-2.0-or-later */
/* smmuv3-aux: the QMP queries when CONFIG_ARM_SMMUV3_AUX is off. */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-smmuv3-aux.h"

SmmuAuxInfoList *qmp_query_smmuv3_aux(const char *path, Error **errp)
{
    return NULL;
}

SmmuAuxStreamList *qmp_query_smmuv3_aux_streams(const char *path,
                                                  bool has_first,
                                                  uint32_t first,
                                                  bool has_max, uint32_t max,
                                                  Error **errp)
{
    error_setg(errp, "arm-smmuv3-aux is not built in");
    return NULL;
}

SmmuAuxSubstreams *qmp_query_smmuv3_aux_substreams(const char *path,
                                                   uint32_t sid,
                                                   bool has_first,
                                                   uint32_t first,
                                                   bool has_max, uint32_t max,
                                                   Error **errp)
{
    error_setg(errp, "arm-smmuv3-aux is not built in");
    return NULL;
}

SmmuAuxStreamInfo *qmp_query_smmuv3_aux_stream(const char *path,
                                                 uint32_t sid, bool has_ssid,
                                                 uint32_t ssid, bool has_iova,
                                                 uint64_t iova,
                                                 bool has_write, bool write,
                                                 bool has_exec, bool exec,
                                                 bool has_priv, bool priv,
                                                 Error **errp)
{
    error_setg(errp, "arm-smmuv3-aux is not built in");
    return NULL;
}

SmmuAuxPageTables *qmp_query_smmuv3_aux_page_tables(const char *path,
                                                    uint32_t sid,
                                                    bool has_ssid,
                                                    uint32_t ssid,
                                                    bool has_max_tables,
                                                    uint32_t max_tables,
                                                    bool has_max_ranges,
                                                    uint32_t max_ranges,
                                                    Error **errp)
{
    error_setg(errp, "arm-smmuv3-aux is not built in");
    return NULL;
}
