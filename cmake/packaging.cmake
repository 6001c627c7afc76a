# The Debian package (docs/install.md): `cpack -G DEB` in a Release or RelWithDebInfo build
# directory writes tlbsim_<version>_<arch>.deb with what the install() rules put under the prefix
# (/usr in the package): bin/tlbsim (stripped), the man page, the bash completion and
# share/doc/tlbsim. scripts/package-check builds one, installs it and tries it.
# Needs dpkg-dev (dpkg-shlibdeps) and file: scripts/install-deps --with-packaging.
set(TLBSIM_DEB_MAINTAINER "tlbsim maintainers <maintainers@tlbsim.invalid>"
    CACHE STRING "The Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tlbsim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY ${PROJECT_DESCRIPTION})
# The long description, in lines under 80 characters as Debian wants them.
set(CPACK_PACKAGE_DESCRIPTION
    "tlbsim runs scenarios (TOML files: processes, threads and what they do, on a
machine of N CPUs) through a model of the x86 Linux kernel paths that decide
where cores serialize and where full memory barriers happen: context switch,
lazy TLB, TLB shootdown IPIs, PCID/ASIDs and membarrier(). It counts every
serializing instruction and full barrier per kernel site, checks the
membarrier() guarantees, compares kernel versions and patch series
(policies), and checks directories of scenarios against their expectations,
with a JUnit report for CI.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${TLBSIM_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: the shared libraries' packages, as dpkg-shlibdeps finds them (libfmt, Boost...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS bash-completion)
include(CPack)
