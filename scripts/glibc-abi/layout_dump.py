# gdb -batch -ex 'source layout_dump.py' -ex 'layout_dump OUT.json' <ld.so debug file or ld.so with debug info>
# Emits offsets/sizes of the glibc-private structures a replacement ld.so must reproduce.
# Field paths use '.' for members and [i] for array elements; bitfields report bit offsets.
import gdb, json

FIELDS = {
 'struct rtld_global_ro': ['_dl_debug_mask','_dl_platform','_dl_platformlen','_dl_pagesize','_dl_minsigstacksize',
   '_dl_inhibit_cache','_dl_initial_searchlist','_dl_clktck','_dl_verbose','_dl_debug_fd','_dl_lazy','_dl_bind_not',
   '_dl_dynamic_weak','_dl_fpu_control','_dl_hwcap','_dl_auxv','_dl_x86_cpu_features','_dl_x86_cpu_features.features',
   '_dl_x86_cpu_features.preferred','_dl_x86_cpu_features.isa_1','_dl_x86_cpu_features.xsave_state_size',
   '_dl_x86_cpu_features.data_cache_size','_dl_x86_cpu_features.shared_cache_size',
   '_dl_x86_cpu_features.non_temporal_threshold','_dl_x86_cpu_features.rep_movsb_threshold',
   '_dl_x86_cpu_features.rep_movsb_stop_threshold','_dl_x86_cpu_features.rep_stosb_threshold',
   '_dl_x86_cpu_features.basic.kind','_dl_x86_cpu_features.basic.max_cpuid','_dl_x86_cpu_features.basic.family',
   '_dl_x86_cpu_features.basic.model','_dl_x86_cpu_features.basic.stepping',
   '_dl_x86_cpu_features.xsave_state_full_size',
   '_dl_x86_cpu_features.level1_icache_size','_dl_x86_cpu_features.level1_icache_linesize',
   '_dl_x86_cpu_features.level1_dcache_size','_dl_x86_cpu_features.level1_dcache_assoc',
   '_dl_x86_cpu_features.level1_dcache_linesize','_dl_x86_cpu_features.level2_cache_size',
   '_dl_x86_cpu_features.level2_cache_assoc','_dl_x86_cpu_features.level2_cache_linesize',
   '_dl_x86_cpu_features.level3_cache_size','_dl_x86_cpu_features.level3_cache_assoc',
   '_dl_x86_cpu_features.level3_cache_linesize','_dl_x86_cpu_features.level4_cache_size',
   '_dl_inhibit_rpath','_dl_origin_path','_dl_tls_static_size','_dl_tls_static_align','_dl_tls_static_surplus',
   '_dl_profile','_dl_profile_output','_dl_init_all_dirs','_dl_sysinfo_dso','_dl_sysinfo_map',
   '_dl_vdso_clock_gettime64','_dl_vdso_gettimeofday','_dl_vdso_time','_dl_vdso_getcpu','_dl_vdso_clock_getres_time64',
   '_dl_hwcap2','_dl_dso_sort_algo','_dl_debug_printf','_dl_mcount','_dl_lookup_symbol_x','_dl_open','_dl_close',
   '_dl_catch_error','_dl_error_free','_dl_tls_get_addr_soft','_dl_libc_freeres','_dl_find_object','_dl_dlfcn_hook',
   '_dl_audit','_dl_naudit'],
 'struct rtld_global': ['_dl_ns','_dl_ns[0]._ns_loaded','_dl_ns[0]._ns_nloaded','_dl_ns[0]._ns_main_searchlist',
   '_dl_ns[0]._ns_global_scope_alloc','_dl_ns[0]._ns_global_scope_pending_adds','_dl_ns[0].libc_map',
   '_dl_ns[0]._ns_unique_sym_table','_dl_ns[0]._ns_debug','_dl_nns','_dl_load_lock',
   '_dl_load_write_lock','_dl_load_tls_lock','_dl_load_adds','_dl_initfirst','_dl_profile_map','_dl_all_dirs',
   '_dl_rtld_map','_dl_stack_flags','_dl_tls_dtv_gaps','_dl_tls_max_dtv_idx','_dl_tls_dtv_slotinfo_list',
   '_dl_tls_static_nelem','_dl_tls_static_used','_dl_tls_static_optional','_dl_initial_dtv','_dl_tls_generation',
   '_dl_scope_free_list','_dl_stack_used','_dl_stack_user','_dl_stack_cache','_dl_stack_cache_actsize',
   '_dl_in_flight_stack','_dl_stack_cache_lock'],
 'struct link_map': ['l_addr','l_name','l_ld','l_next','l_prev','l_real','l_ns','l_libname','l_info','l_phdr',
   'l_entry','l_phnum','l_searchlist','l_loader','l_nbuckets','l_gnu_bitmask_idxbits','l_gnu_shift','l_gnu_bitmask','l_gnu_buckets','l_gnu_chain_zero',
   'l_direct_opencount','l_type','l_relocated','l_init_called','l_global','l_contiguous','l_ld_readonly','l_free_initfini',
   'l_origin','l_map_start','l_map_end','l_scope','l_local_scope','l_initfini','l_tls_initimage',
   'l_tls_initimage_size','l_tls_blocksize','l_tls_align','l_tls_firstbyte_offset','l_tls_offset','l_tls_modid',
   'l_tls_dtor_count','l_relro_addr','l_relro_size','l_serial'],
 'struct pthread': ['header.tcb','header.dtv','header.self','header.multiple_threads','header.gscope_flag',
   'header.stack_guard','header.pointer_guard','header.unused_vgetcpu_cache','header.feature_1','list','tid','robust_prev','robust_head',
   'cancelhandling','flags','specific_1stblock','specific','user_stack','report_events','stackblock',
   'stackblock_size','guardsize','rseq_area'],
 'struct dtv_slotinfo_list': ['len','next','slotinfo'],
 'struct dtv_slotinfo': ['gen','map'],
 'union dtv': ['counter','pointer.val','pointer.to_free'],
 'struct r_debug_extended': ['base.r_version','base.r_map','base.r_brk','base.r_state','base.r_ldbase','r_next'],
 'struct dl_find_object': ['dlfo_flags','dlfo_map_start','dlfo_map_end','dlfo_link_map','dlfo_eh_frame'],
 'struct dlfcn_hook': ['dlopen','dlclose','dlsym','dlvsym','dlerror','dladdr','dladdr1','dlinfo','dlmopen',
   'libc_dlopen_mode','libc_dlsym','libc_dlvsym','libc_dlclose'],
 'struct dl_exception': ['objname','errstring','message_buffer'],
 'struct r_scope_elem': ['r_list','r_nlist'],
 'struct libname_list': ['name','next','dont_free'],
}

def walk(t, path):
    off = 0; bitoff = None; bitsize = 0
    cur = t
    for part in path.replace(']', '').replace('[', '.[').split('.'):
        if part == '': continue
        cur = cur.strip_typedefs()
        if part.startswith('['):
            i = int(part[1:]); cur = cur.target(); off += i * cur.sizeof; continue
        found = None
        def search(tt, name, base):
            for f in tt.strip_typedefs().fields():
                if f.name == name: return f, base + f.bitpos
                if f.name is None and f.type.strip_typedefs().code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                    r = search(f.type, name, base + f.bitpos)
                    if r: return r
            return None
        r = search(cur, part, 0)
        if r is None: raise KeyError(path)
        f, bp = r
        off += bp // 8
        if f.bitsize: bitoff = bp % 8; bitsize = f.bitsize
        cur = f.type
    return off, cur.sizeof, bitoff, bitsize

class LayoutDump(gdb.Command):
    def __init__(self): super().__init__('layout_dump', gdb.COMMAND_USER)
    def invoke(self, arg, from_tty):
        out = {}
        for sname, paths in FIELDS.items():
            try: t = gdb.lookup_type(sname.split(' ',1)[1] if sname.startswith('union') and False else sname.split(' ',1)[1]) if False else None
            except Exception: t = None
            try:
                kind, name = sname.split(' ', 1)
                t = gdb.lookup_type(name) if kind == 'typedef' else (gdb.lookup_type(sname) if False else None)
                if t is None:
                    t = gdb.parse_and_eval('(%s *)0' % sname).type.target()
            except Exception as e:
                out[sname] = {'error': str(e)}; continue
            d = {'sizeof': t.sizeof, 'fields': {}}
            for p in paths:
                try:
                    off, size, bo, bs = walk(t, p)
                    d['fields'][p] = {'offset': off, 'size': size} if bo is None else {'offset': off, 'bit': bo, 'bits': bs}
                except Exception as e:
                    d['fields'][p] = {'error': str(e)}
            out[sname] = d
        js = json.dumps(out, indent=1, sort_keys=False)
        if arg.strip():
            open(arg.strip(), 'w').write(js + '\n')
        else:
            print(js)
LayoutDump()
